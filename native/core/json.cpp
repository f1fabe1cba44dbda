#include "core/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/error.h"

namespace sj {
namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Json document() {
    Json v = value();
    skipSpace();
    if (pos_ != s_.size()) error("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    int line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    fail(ErrorCode::Spec, "JSON line ", line, " column ", column, ": ", what);
  }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool consume(char c) {
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) error(std::string("expected '") + c + "'");
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }

  Json value() {
    if (++depth_ > 200) error("nesting deeper than 200 levels");
    skipSpace();
    if (pos_ >= s_.size()) error("unexpected end of text");
    Json out;
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      out = Json::object();
      if (!consume('}')) {
        do {
          skipSpace();
          if (pos_ >= s_.size() || s_[pos_] != '"') error("expected a quoted key");
          std::string key = stringBody();
          expect(':');
          out.set(key, value());
        } while (consume(','));
        expect('}');
      }
    } else if (c == '[') {
      ++pos_;
      out = Json::array();
      if (!consume(']')) {
        do out.push(value());
        while (consume(','));
        expect(']');
      }
    } else if (c == '"') {
      out = Json::string(stringBody());
    } else if (literal("true")) {
      out = Json::boolean(true);
    } else if (literal("false")) {
      out = Json::boolean(false);
    } else if (literal("null")) {
      out = Json();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const char* begin = s_.c_str() + pos_;
      char* end = nullptr;
      double v = std::strtod(begin, &end);
      if (end == begin) error("malformed number");
      pos_ += static_cast<size_t>(end - begin);
      out = Json::number(v);
    } else {
      error(std::string("unexpected character '") + c + "'");
    }
    --depth_;
    return out;
  }

  std::string stringBody() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) error("truncated \\u escape");
          unsigned code = static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
          pos_ += 4;
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: error(std::string("unknown escape \\") + e);
      }
    }
    if (pos_ >= s_.size()) error("unterminated string");
    ++pos_;  // closing quote
    return out;
  }

  const std::string& s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

void dumpString(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void dumpValue(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::Type::Null: out += "null"; break;
    case Json::Type::Bool: out += v.asBool() ? "true" : "false"; break;
    case Json::Type::Number: {
      const double d = v.asNumber();
      if (!std::isfinite(d)) {
        out += "null";
      } else if (d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
        out += std::to_string(static_cast<int64_t>(d));
      } else {
        // The shortest of %.15g..%.17g that reads back as the same double.
        char buf[32];
        for (int digits = 15; digits <= 17; ++digits) {
          std::snprintf(buf, sizeof buf, "%.*g", digits, d);
          if (std::strtod(buf, nullptr) == d) break;
        }
        out += buf;
      }
      break;
    }
    case Json::Type::String: dumpString(v.asString(), out); break;
    case Json::Type::Array:
      out += '[';
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out += ',';
        dumpValue(v.items()[i], out);
      }
      out += ']';
      break;
    case Json::Type::Object:
      out += '{';
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) out += ',';
        dumpString(v.members()[i].first, out);
        out += ':';
        dumpValue(v.members()[i].second, out);
      }
      out += '}';
      break;
  }
}

}  // namespace

Json Json::parse(const std::string& text) { return Parser(text).document(); }

Json Json::number(double v) {
  Json j;
  j.type_ = Type::Number;
  j.number_ = v;
  return j;
}
Json Json::boolean(bool v) {
  Json j;
  j.type_ = Type::Bool;
  j.bool_ = v;
  return j;
}
Json Json::string(std::string v) {
  Json j;
  j.type_ = Type::String;
  j.string_ = std::move(v);
  return j;
}
Json Json::array(std::vector<Json> items) {
  Json j;
  j.type_ = Type::Array;
  j.items_ = std::move(items);
  return j;
}
Json Json::object() {
  Json j;
  j.type_ = Type::Object;
  return j;
}

const Json* Json::find(const std::string& key) const {
  if (type_ != Type::Object) return nullptr;
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

void Json::set(const std::string& key, Json value) {
  for (auto& [k, v] : members_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  members_.emplace_back(key, std::move(value));
}

void Json::push(Json value) { items_.push_back(std::move(value)); }

std::string Json::dump() const {
  std::string out;
  dumpValue(*this, out);
  return out;
}

const char* Json::typeName(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "a boolean";
    case Type::Number: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
  }
  return "?";
}

}  // namespace sj
