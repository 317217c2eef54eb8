// libFuzzer target for manifest files: arbitrary bytes go through the YAML/JSON reader and the
// strict decoder, and every object that decodes is defaulted, validated, encoded, printed as
// YAML and decoded again.
//
// Besides "no crash, no sanitizer report", the target checks one property: what cubelet prints
// it can read back. A defaulted object rendered by EmitYaml must decode cleanly into an object
// that encodes to the same JSON; anything else is a bug in the codec or the YAML emitter (a
// string printed unquoted that reads back as a number, say), so the target aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"

namespace {

namespace api = cubelet::api;

[[noreturn]] void RoundTripFailure(const std::string& yaml, const std::string& why) {
  std::fprintf(stderr, "manifest_fuzz: round trip failed: %s\n--- emitted YAML ---\n%s\n",
               why.c_str(), yaml.c_str());
  std::abort();
}

void CheckRoundTrip(api::Object& obj) {
  api::SetDefaults(obj);
  // Validation findings are expected for fuzzed input; only crashes matter here.
  (void)api::Validate(obj);
  const api::Json json = api::EncodeObject(obj);
  const std::string yaml = api::EmitYaml(json);

  auto again = api::DecodeManifests(yaml, "roundtrip.yaml");
  if (!again.ok()) RoundTripFailure(yaml, again.status().ToString());
  if (again->size() != 1) {
    RoundTripFailure(yaml, "decoded " + std::to_string(again->size()) + " objects, want 1");
  }
  const api::Json json_again = api::EncodeObject((*again)[0]);
  if (json_again != json) {
    RoundTripFailure(yaml, "re-encoded JSON differs:\n" + json.dump() + "\n" + json_again.dump());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The lenient path of `cubelet validate`: every document, with errors located by line.
  auto manifests = api::ReadManifests(text, "fuzz.yaml");
  if (manifests.ok()) {
    for (api::Manifest& m : *manifests) {
      for (const api::FieldError& e : api::CheckManifest(m)) (void)api::FormatAt(m.lines, e);
    }
  }

  // The strict path (what the API server will do with a manifest), then the round trip.
  auto objects = api::DecodeManifests(text, "fuzz.yaml");
  if (!objects.ok()) return 0;
  for (api::Object& obj : *objects) CheckRoundTrip(obj);
  return 0;
}
