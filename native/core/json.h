// A small JSON reader and writer for network specs and weight-file headers. Parse errors name the
// line and column; lookups name the path of the missing or mistyped field.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sj {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  static Json parse(const std::string& text);  // E_SPEC on malformed text
  static Json number(double v);
  static Json boolean(bool v);
  static Json string(std::string v);
  static Json array(std::vector<Json> items = {});
  static Json object();

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  double asNumber() const { return number_; }
  bool asBool() const { return bool_; }
  const std::string& asString() const { return string_; }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }  // in document order

  const Json* find(const std::string& key) const;  // nullptr when absent or not an object
  void set(const std::string& key, Json value);     // objects only; replaces an existing key
  void push(Json value);                            // arrays only

  std::string dump() const;  // compact, keys in insertion order
  static const char* typeName(Type t);

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace sj
