#include "mini_xml.hpp"

#include <cstdint>
#include <cstdio>

#include "deteval/formats/error.hpp"

namespace deteval::xml {

const Element* Element::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

namespace {

constexpr std::size_t kMaxDepth = 256;  // keeps recursion bounded on hostile input

bool is_name_start(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}
bool is_name_char(unsigned char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  Parser(std::string_view s, const std::string& file) : s_(s), file_(file) {}

  Element document() {
    check_bytes();
    if (starts_with("\xEF\xBB\xBF")) pos_ += 3;  // UTF-8 byte-order mark
    misc(true);
    if (eof()) fail("an XML root element", "end of file");
    if (s_[pos_] != '<') fail("'<' starting the root element", here());
    Element root = element(0);
    misc(false);
    if (!eof()) fail("end of file after the root element </" + root.name + ">", here());
    return root;
  }

 private:
  std::string_view s_;
  const std::string& file_;
  std::size_t pos_ = 0, line_ = 1;

  [[noreturn]] void fail(const std::string& what, const std::string& got) const {
    throw InputError::expected(file_, "line " + std::to_string(line_), what, got);
  }
  [[noreturn]] void fail_at(std::size_t line, const std::string& what, const std::string& got) const {
    throw InputError::expected(file_, "line " + std::to_string(line), what, got);
  }

  bool eof() const { return pos_ >= s_.size(); }
  bool starts_with(std::string_view p) const { return s_.substr(pos_).starts_with(p); }

  // What is at the cursor, for messages.
  std::string here() const {
    if (eof()) return "end of file";
    const auto c = static_cast<unsigned char>(s_[pos_]);
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }

  // Moves the cursor by n bytes, counting lines.
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && pos_ < s_.size(); ++i, ++pos_)
      if (s_[pos_] == '\n') ++line_;
  }
  void skip_space() {
    while (!eof() && is_space(s_[pos_])) advance(1);
  }
  // Skips past `end`; fails naming what was left open and where.
  void skip_past(std::string_view end, const char* what, std::size_t start_line) {
    const std::size_t at = s_.find(end, pos_);
    if (at == std::string_view::npos) {
      advance(s_.size() - pos_);
      std::string expected(1, '\'');  // appended piecewise: GCC 12 warns (-Wrestrict) on "'" + string
      expected.append(end).append("' closing the ").append(what);
      expected.append(" opened on line ").append(std::to_string(start_line));
      fail(expected, "end of file");
    }
    advance(at + end.size() - pos_);
  }

  // XML forbids control characters other than tab, LF and CR: a quick, exact test for
  // binary files, done once up front so the rest of the parser can ignore bytes.
  void check_bytes() {
    std::size_t line = 1;
    for (unsigned char c : s_) {
      if (c == '\n') ++line;
      else if (c < 0x20 && c != '\t' && c != '\r') {
        char buf[16];
        std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
        fail_at(line, "XML text", std::string(buf) + " (not a text file?)");
      }
    }
  }

  std::string name() {
    if (eof() || !is_name_start(static_cast<unsigned char>(s_[pos_]))) fail("a name", here());
    const std::size_t b = pos_;
    while (!eof() && is_name_char(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }

  // Comments, processing instructions, white space and (before the root) a DOCTYPE.
  void misc(bool prolog) {
    for (;;) {
      skip_space();
      const std::size_t l = line_;
      if (starts_with("<?")) {
        skip_past("?>", "processing instruction", l);
      } else if (starts_with("<!--")) {
        advance(4);
        skip_past("-->", "comment", l);
      } else if (prolog && starts_with("<!DOCTYPE")) {
        doctype();
      } else {
        return;
      }
    }
  }

  // Skipped whole: up to the '>' outside quotes and the internal subset's brackets.
  void doctype() {
    const std::size_t l = line_;
    int depth = 0;
    char quote = 0;
    for (advance(9); !eof(); advance(1)) {
      const char c = s_[pos_];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        --depth;
      } else if (c == '>' && depth <= 0) {
        advance(1);
        return;
      }
    }
    fail("'>' closing the DOCTYPE opened on line " + std::to_string(l), "end of file");
  }

  void entity(std::string& out) {
    const std::size_t semi = s_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12)
      fail("an entity such as '&amp;' (a bare '&' must be written '&amp;')", "'&'");
    const std::string_view ent = s_.substr(pos_ + 1, semi - pos_ - 1);
    if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "amp") out += '&';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (ent.size() >= 2 && ent[0] == '#') {
      const bool hex = ent[1] == 'x';
      std::uint32_t cp = 0;
      const std::string_view digits = ent.substr(hex ? 2 : 1);
      bool ok = !digits.empty();
      for (char c : digits) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0 || cp > 0x10FFFF) { ok = false; break; }
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
      }
      const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
      if (!ok || !allowed) fail("a valid character reference", "'&" + std::string(ent) + ";'");
      append_utf8(out, cp);
    } else {
      fail("one of the entities &lt; &gt; &amp; &quot; &apos; or a character reference",
           "'&" + std::string(ent) + ";'");
    }
    advance(semi + 1 - pos_);
  }

  // The cursor is on '<' of a start tag.
  Element element(std::size_t depth) {
    if (depth >= kMaxDepth) fail("at most " + std::to_string(kMaxDepth) + " nested elements", "deeper nesting");
    Element e;
    e.line = line_;
    advance(1);
    e.name = name();
    // Attributes: syntax checked, values dropped (VOC files carry none that matter).
    for (;;) {
      const bool spaced = !eof() && is_space(s_[pos_]);
      skip_space();
      if (starts_with("/>")) {
        advance(2);
        return e;
      }
      if (starts_with(">")) {
        advance(1);
        break;
      }
      if (!spaced) fail("white space, '>' or '/>' in the start tag <" + e.name + ">", here());
      name();
      skip_space();
      if (eof() || s_[pos_] != '=') fail("'=' after the attribute name in <" + e.name + ">", here());
      advance(1);
      skip_space();
      if (eof() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("a quoted attribute value in <" + e.name + ">", here());
      const char q = s_[pos_];
      const std::size_t close = s_.find(q, pos_ + 1);
      const std::size_t lt = s_.find('<', pos_ + 1);
      if (close == std::string_view::npos || (lt != std::string_view::npos && lt < close)) {
        if (lt != std::string_view::npos) advance(lt - pos_);
        else advance(s_.size() - pos_);
        fail(std::string("the closing ") + q + " of an attribute value in <" + e.name + ">", here());
      }
      advance(close + 1 - pos_);
    }
    // Content.
    for (;;) {
      if (eof()) fail("</" + e.name + "> closing <" + e.name + "> from line " + std::to_string(e.line), "end of file");
      const char c = s_[pos_];
      if (c == '<') {
        const std::size_t l = line_;
        if (starts_with("</")) {
          advance(2);
          std::string close = name();
          skip_space();
          if (eof() || s_[pos_] != '>') fail("'>' ending </" + close + ">", here());
          if (close != e.name)
            fail_at(l, "</" + e.name + "> closing <" + e.name + "> from line " + std::to_string(e.line),
                    "</" + close + ">");
          advance(1);
          return e;
        } else if (starts_with("<!--")) {
          advance(4);
          skip_past("-->", "comment", l);
        } else if (starts_with("<![CDATA[")) {
          advance(9);
          const std::size_t end = s_.find("]]>", pos_);
          if (end == std::string_view::npos) {
            advance(s_.size() - pos_);
            fail("']]>' closing the CDATA section opened on line " + std::to_string(l), "end of file");
          }
          e.text.append(s_.substr(pos_, end - pos_));
          advance(end + 3 - pos_);
        } else if (starts_with("<?")) {
          skip_past("?>", "processing instruction", l);
        } else if (starts_with("<!")) {
          fail("an element, a comment or a CDATA section", "'<!'");
        } else {
          e.children.push_back(element(depth + 1));
        }
      } else if (c == '&') {
        entity(e.text);
      } else {
        std::size_t end = s_.find_first_of("<&", pos_);
        if (end == std::string_view::npos) end = s_.size();
        e.text.append(s_.substr(pos_, end - pos_));
        advance(end - pos_);
      }
    }
  }
};

}  // namespace

Element parse(std::string_view text, const std::string& file) { return Parser(text, file).document(); }

}  // namespace deteval::xml
