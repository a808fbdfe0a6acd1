// A small, strict XML reader for annotation files (VOC). Internal to deteval::formats.
//
// Why not Boost.PropertyTree: it drops source positions, and every message about a bad
// annotation must name its line. This reader keeps the line of each element, decodes the
// predefined and numeric entities and CDATA, skips comments, processing instructions and
// a DOCTYPE, ignores attributes (after checking their syntax), and rejects anything that
// is not well-formed — including control bytes, so binary input fails cleanly.
// Namespaces, custom entities and DTD validation are not supported (VOC needs none).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deteval::xml {

struct Element {
  std::string name;
  std::string text;  ///< the element's own character data, concatenated (children excluded)
  std::size_t line = 0;  ///< line of the start tag, 1-based
  std::vector<Element> children;

  /// The first direct child called `name` (as ElementTree's find()), or nullptr.
  const Element* child(std::string_view name) const;
};

/// Parses a whole document and returns its root element. Throws InputError naming
/// `file` and the line on malformed input.
Element parse(std::string_view text, const std::string& file);

}  // namespace deteval::xml
