// /openapi/v2: a protobuf Document with nothing but its header. Written with a minimal
// protobuf encoder (length-delimited fields only) rather than a byte literal, so the title and
// version can change without anyone counting bytes.
#include <cstdint>

#include "apiserver/openapi.h"

namespace cubelet::apiserver {
namespace {

// Protocol buffers wire format, the subset a message of strings and sub-messages needs.
class ProtoWriter {
 public:
  // A string, bytes or embedded-message field: tag (field number, wire type 2), the length
  // as a varint, the bytes.
  void LengthDelimited(uint32_t field, std::string_view bytes) {
    Varint(uint64_t{field} << 3 | kWireTypeLengthDelimited);
    Varint(bytes.size());
    out_.append(bytes);
  }

  const std::string& bytes() const { return out_; }

 private:
  static constexpr uint32_t kWireTypeLengthDelimited = 2;

  // Base-128, least significant group first, the high bit set on all but the last byte.
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      out_ += static_cast<char>((value & 0x7f) | 0x80);
      value >>= 7;
    }
    out_ += static_cast<char>(value);
  }

  std::string out_;
};

// Field numbers of gnostic's openapi_v2.proto (github.com/google/gnostic-models).
constexpr uint32_t kDocumentSwagger = 1;
constexpr uint32_t kDocumentInfo = 2;
constexpr uint32_t kInfoTitle = 1;
constexpr uint32_t kInfoVersion = 2;

}  // namespace

std::string OpenApiV2Document(std::string_view title, std::string_view version) {
  ProtoWriter info;
  info.LengthDelimited(kInfoTitle, title);
  info.LengthDelimited(kInfoVersion, version);
  ProtoWriter document;
  document.LengthDelimited(kDocumentSwagger, "2.0");
  document.LengthDelimited(kDocumentInfo, info.bytes());
  return document.bytes();
}

}  // namespace cubelet::apiserver
