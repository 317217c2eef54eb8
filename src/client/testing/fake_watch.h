// One watch of FakeClient: its filter and the queue between the fake's writers and the
// consumer. Private to the fake.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/selector.h"
#include "client/client.h"

namespace cubelet::client {

class FakeWatchState {
 public:
  FakeWatchState(const api::KindInfo& kind, std::string ns, api::LabelMatcher labels,
                 api::FieldMatcher fields, bool bookmarks)
      : kind_(kind),
        namespace_(std::move(ns)),
        labels_(std::move(labels)),
        fields_(std::move(fields)),
        bookmarks_(bookmarks) {}

  const api::KindInfo& kind() const { return kind_; }
  bool bookmarks() const { return bookmarks_; }
  bool Matches(const api::Object& obj) const;

  // Queues a change as this watch sees it: nothing when neither state matches, DELETED when
  // the object stopped matching, ADDED when it started to.
  void Deliver(EventType type, const api::Object& obj, const std::optional<api::Object>& prev);
  void Push(WatchEvent ev);
  void Close();       // the "server" ends the watch
  bool Open() const;  // neither stopped nor closed

  std::optional<WatchEvent> Next(base::Duration timeout);
  void Stop();
  bool Done() const;

 private:
  const api::KindInfo kind_;
  const std::string namespace_;
  const api::LabelMatcher labels_;
  const api::FieldMatcher fields_;
  const bool bookmarks_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;
  bool stopped_ = false;
  bool closed_ = false;
};

// The consumer's handle; stops the watch when dropped.
class FakeWatchStream final : public WatchStream {
 public:
  explicit FakeWatchStream(std::shared_ptr<FakeWatchState> state) : state_(std::move(state)) {}
  ~FakeWatchStream() override { state_->Stop(); }
  std::optional<WatchEvent> Next(base::Duration timeout) override { return state_->Next(timeout); }
  void Stop() override { state_->Stop(); }
  bool Done() override { return state_->Done(); }

 private:
  std::shared_ptr<FakeWatchState> state_;
};

}  // namespace cubelet::client
