// Replaced by the wire protocol.
namespace cubelet::runtime {}
