// Watches over HTTP: the chunked event stream, its end, refusals and Stop().
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/client.h"

#include "test_http_server.h"

namespace cubelet::client {
namespace {

using namespace std::chrono_literals;
using testing::Chunk;
using testing::Conn;
using testing::JsonResponse;
using testing::kChunkedHead;
using testing::kLastChunk;
using testing::Request;
using testing::StatusJson;
using testing::TestHttpServer;

const api::KindInfo& PodKind() { return *api::FindKind("v1", "Pod"); }

std::string PodEvent(std::string_view type, std::string_view name, std::string_view rv) {
  return fmt::format(
      R"({{"type":"{}","object":{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{}","namespace":"ns","resourceVersion":"{}"}}}}}})"
      "\n",
      type, name, rv);
}

ClientConfig Config(const TestHttpServer& server) {
  ClientConfig config;
  config.server = server.url();
  config.bearer_token = "tok";
  config.timeout = 5s;
  return config;
}

TEST(WatchHttpTest, ChunkedEventsSplitAnywhereThenServerEndsStream) {
  TestHttpServer server([](const Request&, Conn& conn) {
    const std::string events =
        PodEvent("ADDED", "a", "11") + PodEvent("MODIFIED", "a", "12") +
        R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"13"}}})"
        "\n" +
        PodEvent("DELETED", "a", "14");
    conn.Write(kChunkedHead);
    // Chunks of 7 bytes: events straddle chunks, and some chunks hold parts of two events.
    for (size_t i = 0; i < events.size(); i += 7) conn.Write(Chunk(events.substr(i, 7)));
    conn.Write(kLastChunk);
  });
  auto client = NewClient(Config(server));
  WatchOptions opts;
  opts.namespace_ = "ns";
  opts.resource_version = "10";
  opts.allow_bookmarks = true;
  opts.timeout_seconds = 420;
  opts.field_selector = "metadata.name=a";
  auto watch = client->Watch(PodKind(), opts);
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();

  Request req = server.Last();
  EXPECT_EQ(req.path, "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(req.query,
            "watch=true&fieldSelector=metadata.name%3Da&resourceVersion=10&"
            "allowWatchBookmarks=true&timeoutSeconds=420");
  EXPECT_EQ(req.Header("authorization"), "Bearer tok");

  std::vector<std::string> seen;
  while (auto ev = (*watch)->Next(5s)) {
    seen.push_back(fmt::format("{} {} {}", EventTypeName(ev->type), api::MetaOf(ev->object).name,
                               api::MetaOf(ev->object).resource_version));
  }
  EXPECT_THAT(
      seen, ::testing::ElementsAre("ADDED a 11", "MODIFIED a 12", "BOOKMARK  13", "DELETED a 14"));
  EXPECT_TRUE((*watch)->Done());
}

TEST(WatchHttpTest, ErrorEventCarriesGone) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(kChunkedHead);
    conn.Write(Chunk(R"({"type":"ERROR","object":)" +
                     StatusJson(410, "Expired", "too old resource version: 1 (50)") + "}\n"));
    conn.Write(kLastChunk);
  });
  auto watch = NewClient(Config(server))->Watch(PodKind(), {.resource_version = "1"});
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  auto ev = (*watch)->Next(5s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, EventType::kError);
  EXPECT_EQ(ev->error.code(), base::Code::kGone);
  EXPECT_EQ(ev->error.message(), "too old resource version: 1 (50)");
  EXPECT_FALSE((*watch)->Next(5s).has_value());
  EXPECT_TRUE((*watch)->Done());
}

TEST(WatchHttpTest, RefusedWatchIsAnErrorFromWatch) {
  TestHttpServer server([](const Request& req, Conn& conn) {
    if (req.query.find("resourceVersion=1") != std::string::npos) {
      conn.Write(JsonResponse(410, StatusJson(410, "Expired", "too old resource version")));
    } else {
      conn.Write(JsonResponse(403, StatusJson(403, "Forbidden", "pods is forbidden")));
    }
  });
  auto client = NewClient(Config(server));
  auto gone = client->Watch(PodKind(), {.resource_version = "1"});
  EXPECT_EQ(gone.status().code(), base::Code::kGone);
  EXPECT_EQ(gone.status().message(), "too old resource version");
  auto forbidden = client->Watch(PodKind(), {});
  EXPECT_EQ(forbidden.status().code(), base::Code::kPermissionDenied);
}

TEST(WatchHttpTest, ServerHangingUpMidStreamEndsTheWatch) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(kChunkedHead);
    conn.Write(Chunk(PodEvent("ADDED", "a", "2")));
    conn.Write(Chunk(PodEvent("ADDED", "b", "3").substr(0, 20)));  // half an event, then gone
    conn.CloseAfter();
  });
  auto watch = NewClient(Config(server))->Watch(PodKind(), {});
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  auto ev = (*watch)->Next(5s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(api::MetaOf(ev->object).name, "a");
  EXPECT_FALSE((*watch)->Next(5s).has_value());
  EXPECT_TRUE((*watch)->Done());
}

TEST(WatchHttpTest, GarbageInStreamEndsWithErrorEvent) {
  TestHttpServer server([](const Request&, Conn& conn) {
    conn.Write(kChunkedHead);
    conn.Write(Chunk("this is not json\n"));
    conn.WaitForClientClose(10s);
  });
  auto watch = NewClient(Config(server))->Watch(PodKind(), {});
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  auto ev = (*watch)->Next(5s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->type, EventType::kError);
  EXPECT_EQ(ev->error.code(), base::Code::kInternal);
  EXPECT_FALSE((*watch)->Next(5s).has_value());
}

TEST(WatchHttpTest, StopAbortsWatchOnSilentServerPromptly) {
  std::promise<bool> client_hung_up;
  TestHttpServer server([&](const Request&, Conn& conn) {
    conn.Write(kChunkedHead);
    conn.Write(Chunk(PodEvent("ADDED", "a", "2")));
    client_hung_up.set_value(conn.WaitForClientClose(20s));
  });
  auto watch = NewClient(Config(server))->Watch(PodKind(), {});
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  WatchStream& stream = **watch;
  ASSERT_TRUE(stream.Next(5s).has_value());

  // A consumer blocks waiting for the next event; another thread stops the watch.
  auto consumer = std::async(std::launch::async, [&] {
    const auto start = std::chrono::steady_clock::now();
    const bool got = stream.Next(30s).has_value();
    return std::make_pair(got, std::chrono::steady_clock::now() - start);
  });
  EXPECT_EQ(consumer.wait_for(100ms), std::future_status::timeout);  // really blocked
  const auto stop_start = std::chrono::steady_clock::now();
  stream.Stop();
  auto [got, waited] = consumer.get();
  EXPECT_FALSE(got);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(stream.Done());
  watch->reset();  // joins the transfer thread
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, 2s);
  // The HTTP stream was really aborted: the server saw the connection close.
  auto hung_up = client_hung_up.get_future();
  ASSERT_EQ(hung_up.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(hung_up.get());
}

TEST(WatchHttpTest, NoResponseHeadTimesOut) {
  TestHttpServer server([](const Request&, Conn& conn) { conn.WaitForClientClose(10s); });
  ClientConfig config = Config(server);
  config.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  auto watch = NewClient(config)->Watch(PodKind(), {});
  EXPECT_EQ(watch.status().code(), base::Code::kTimeout) << watch.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace cubelet::client
