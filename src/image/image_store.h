// ImageStore: the image records (reference → manifest, config, layers), one JSON file per
// image under <root>/images/, replaced atomically (write temp, fsync, rename) so a record is
// either the old or the new one after a crash. Private to src/image.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "image/image.h"

namespace cubelet::image {

class ImageStore {
 public:
  explicit ImageStore(std::string dir);
  base::Status Init() const;
  base::Status Put(const ImageRecord& record) const;
  base::Result<std::optional<ImageRecord>> Get(const std::string& name) const;
  base::Result<std::vector<ImageRecord>> List() const;
  base::Status Remove(const std::string& name) const;

 private:
  std::string PathFor(const std::string& name) const;
  std::string dir_;
};

}  // namespace cubelet::image
