#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "api/api.h"
#include "cli/cli.h"

namespace cubelet::cli {
namespace {

namespace fs = std::filesystem;

bool IsManifestFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Expands the -f arguments into the files to read, in a stable order (directories sorted,
// as kubectl walks them). Missing paths are reported and make the run fail.
std::vector<std::string> ExpandInputs(const ValidateOptions& options, std::ostream& err,
                                      bool* failed) {
  std::vector<std::string> files;
  for (const std::string& arg : options.files) {
    if (arg == "-") {
      files.push_back(arg);
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      err << "error: the path \"" << arg << "\" does not exist\n";
      *failed = true;
      continue;
    }
    if (!fs::is_directory(st)) {
      files.push_back(arg);
      continue;
    }
    std::vector<std::string> found;
    auto add = [&](const fs::directory_entry& e) {
      if (e.is_regular_file() && IsManifestFile(e.path()) &&
          !e.path().filename().string().starts_with(".")) {
        found.push_back(e.path().string());
      }
    };
    if (options.recursive) {
      for (const auto& e : fs::recursive_directory_iterator(arg, ec)) add(e);
    } else {
      for (const auto& e : fs::directory_iterator(arg, ec)) add(e);
    }
    if (ec) {
      err << "error: reading directory \"" << arg << "\": " << ec.message() << "\n";
      *failed = true;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

bool ReadInput(const std::string& name, std::string* text, std::ostream& err) {
  if (name == "-") {
    text->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) {
    err << "error: cannot read \"" << name << "\"\n";
    return false;
  }
  text->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

int Validate(const ValidateOptions& options, std::ostream& out, std::ostream& err) {
  if (options.files.empty()) {
    err << "error: must specify one of -f and -k\n";
    return 1;
  }
  if (!options.output.empty() && options.output != "yaml" && options.output != "json" &&
      options.output != "name") {
    err << "error: unable to match a printer suitable for the output format \"" << options.output
        << "\", allowed formats are: json,name,yaml\n";
    return 1;
  }
  bool failed = false;
  std::vector<api::Object> valid;
  for (const std::string& file : ExpandInputs(options, err, &failed)) {
    std::string text;
    if (!ReadInput(file, &text, err)) {
      failed = true;
      continue;
    }
    auto manifests = api::ReadManifests(text, file == "-" ? "STDIN" : file);
    if (!manifests.ok()) {
      err << manifests.status().message() << "\n";
      failed = true;
      continue;
    }
    for (api::Manifest& m : *manifests) {
      if (m.object) {
        // The API server takes the namespace from the request when the object names none.
        api::ObjectMeta& meta = api::MetaOf(*m.object);
        if (api::KindOf(*m.object).namespaced && meta.namespace_.empty()) {
          meta.namespace_ = options.namespace_;
        }
      }
      const api::FieldErrors errs = api::CheckManifest(m);
      if (!errs.empty()) {
        for (const api::FieldError& e : errs) err << api::FormatAt(m.lines, e) << "\n";
        failed = true;
        continue;
      }
      valid.push_back(std::move(*m.object));
    }
  }
  if (options.output == "yaml") {
    bool first = true;
    for (const api::Object& obj : valid) {
      if (!first) out << "---\n";
      first = false;
      out << api::EmitYaml(api::EncodeObject(obj));
    }
  } else if (options.output == "json") {
    if (valid.size() == 1) {
      out << api::EncodeObject(valid[0]).dump(4) << "\n";
    } else {
      api::Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", api::Json::array()}};
      for (const api::Object& obj : valid) list["items"].push_back(api::EncodeObject(obj));
      list["metadata"] = {{"resourceVersion", ""}};
      out << list.dump(4) << "\n";
    }
  } else {
    for (const api::Object& obj : valid) {
      out << Lower(api::KindOf(obj).kind) << "/" << api::MetaOf(obj).name;
      if (options.output.empty()) out << " valid";
      out << "\n";
    }
  }
  return failed ? 1 : 0;
}

}  // namespace cubelet::cli
