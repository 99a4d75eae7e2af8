// Recursive descent over the executable-document grammar (spec section 2),
// restricted to queries without fragments or directives.
#include <set>

#include "graphql_lexer.h"
#include "graphql_syntax.h"

namespace sb::clarus_sim::gql {
namespace {

using Kind = Token::Kind;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<Document> document() {
    Document doc;
    do {
      Operation op;
      SB_RETURN_IF_ERROR(operation(&op));
      doc.operations.push_back(std::move(op));
    } while (peek().kind != Kind::kEnd);
    return doc;
  }

 private:
  const Token& peek() const { return t_[i_]; }
  const Token& take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool is_punct(char c) const { return peek().kind == Kind::kPunct && peek().text[0] == c; }
  bool take_punct(char c) {
    if (!is_punct(c)) return false;
    take();
    return true;
  }
  Status fail(std::string_view what) const { return Status::InvalidArgument(at(peek().where, what)); }
  Status unexpected(std::string_view expected) const {
    return fail("expected " + std::string(expected) + ", found " + describe(peek()));
  }
  Status expect_punct(char c) {
    if (take_punct(c)) return Status::Ok();
    return unexpected("\"" + std::string(1, c) + "\"");
  }
  Status name(std::string* out) {
    if (peek().kind != Kind::kName) return unexpected("a name");
    *out = take().text;
    return Status::Ok();
  }
  // Selection sets, lists and input objects all count: each is a stack frame here
  // and a level of work for the executor.
  Status enter() {
    if (++depth_ > kMaxDepth) return fail("query is nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return Status::Ok();
  }
  Status refuse_directives() {
    if (is_punct('@')) return fail("directives are not supported");
    return Status::Ok();
  }

  Status operation(Operation* op) {
    op->where = peek().where;
    if (is_punct('{')) return selection_set(&op->selection);
    if (peek().kind == Kind::kName) {
      const std::string& word = peek().text;
      if (word == "fragment") return fail("fragments are not supported");
      if (word == "mutation") return fail("mutations are not supported: the Clarus GraphQL API is read-only");
      if (word == "subscription") return fail("subscriptions are not supported");
      if (word == "query") {
        take();
        if (peek().kind == Kind::kName) op->name = take().text;
        if (is_punct('(')) SB_RETURN_IF_ERROR(variable_definitions(&op->variables));
        SB_RETURN_IF_ERROR(refuse_directives());
        return selection_set(&op->selection);
      }
    }
    return unexpected("\"query\" or \"{\"");
  }

  Status variable_definitions(std::vector<VariableDefinition>* out) {
    take();  // (
    std::set<std::string> seen;
    do {
      VariableDefinition def;
      def.where = peek().where;
      SB_RETURN_IF_ERROR(expect_punct('$'));
      SB_RETURN_IF_ERROR(name(&def.name));
      if (!seen.insert(def.name).second) {
        return Status::InvalidArgument(at(def.where, "variable $" + def.name + " is defined twice"));
      }
      SB_RETURN_IF_ERROR(expect_punct(':'));
      SB_RETURN_IF_ERROR(type(&def.type));
      if (take_punct('=')) {
        def.has_default = true;
        SB_RETURN_IF_ERROR(value(&def.default_value, /*constant=*/true));
      }
      SB_RETURN_IF_ERROR(refuse_directives());
      out->push_back(std::move(def));
    } while (!is_punct(')'));
    take();
    return Status::Ok();
  }

  Status type(TypeRef* out) {
    if (take_punct('[')) {
      SB_RETURN_IF_ERROR(enter());
      TypeRef inner;
      SB_RETURN_IF_ERROR(type(&inner));
      SB_RETURN_IF_ERROR(expect_punct(']'));
      --depth_;
      out->name = inner.name;
      out->list = true;
      out->text = "[" + inner.text + "]";
    } else {
      SB_RETURN_IF_ERROR(name(&out->name));
      out->text = out->name;
    }
    if (take_punct('!')) {
      out->non_null = true;
      out->text += "!";
    }
    return Status::Ok();
  }

  Status selection_set(std::vector<Field>* out) {
    SB_RETURN_IF_ERROR(expect_punct('{'));
    SB_RETURN_IF_ERROR(enter());
    do {
      if (peek().kind == Kind::kSpread) return fail("fragments are not supported");
      Field f;
      SB_RETURN_IF_ERROR(field(&f));
      out->push_back(std::move(f));
    } while (!is_punct('}'));
    take();
    --depth_;
    return Status::Ok();
  }

  Status field(Field* f) {
    f->where = peek().where;
    if (peek().kind != Kind::kName) return unexpected("a field name");
    f->name = take().text;
    if (take_punct(':')) {
      f->alias = f->name;
      SB_RETURN_IF_ERROR(name(&f->name));
    } else {
      f->alias = f->name;
    }
    if (is_punct('(')) SB_RETURN_IF_ERROR(arguments(&f->arguments));
    SB_RETURN_IF_ERROR(refuse_directives());
    if (is_punct('{')) {
      f->has_selection = true;
      SB_RETURN_IF_ERROR(selection_set(&f->selection));
    }
    return Status::Ok();
  }

  Status arguments(std::vector<Argument>* out) {
    take();  // (
    do {
      Argument a;
      a.where = peek().where;
      SB_RETURN_IF_ERROR(name(&a.name));
      for (const Argument& prior : *out) {
        if (prior.name == a.name)
          return Status::InvalidArgument(at(a.where, "argument \"" + a.name + "\" is given twice"));
      }
      SB_RETURN_IF_ERROR(expect_punct(':'));
      SB_RETURN_IF_ERROR(value(&a.value, /*constant=*/false));
      out->push_back(std::move(a));
    } while (!is_punct(')'));
    take();
    return Status::Ok();
  }

  Status value(Value* v, bool constant) {
    v->where = peek().where;
    const Token& t = peek();
    switch (t.kind) {
      case Kind::kInt: v->kind = Value::Kind::kInt; v->text = take().text; return Status::Ok();
      case Kind::kFloat: v->kind = Value::Kind::kFloat; v->text = take().text; return Status::Ok();
      case Kind::kString: v->kind = Value::Kind::kString; v->text = take().text; return Status::Ok();
      case Kind::kName:
        if (t.text == "true" || t.text == "false") {
          v->kind = Value::Kind::kBool;
        } else if (t.text == "null") {
          v->kind = Value::Kind::kNull;
        } else {
          v->kind = Value::Kind::kEnum;
        }
        v->text = take().text;
        return Status::Ok();
      default: break;
    }
    if (is_punct('$')) {
      if (constant) return fail("a variable cannot be used in a default value");
      take();
      v->kind = Value::Kind::kVariable;
      return name(&v->text);
    }
    if (take_punct('[')) {
      SB_RETURN_IF_ERROR(enter());
      v->kind = Value::Kind::kList;
      while (!take_punct(']')) {
        if (peek().kind == Kind::kEnd) return unexpected("\"]\"");
        Value item;
        SB_RETURN_IF_ERROR(value(&item, constant));
        v->items.push_back(std::move(item));
      }
      --depth_;
      return Status::Ok();
    }
    if (take_punct('{')) {
      SB_RETURN_IF_ERROR(enter());
      v->kind = Value::Kind::kObject;
      while (!take_punct('}')) {
        Location where = peek().where;
        std::string key;
        SB_RETURN_IF_ERROR(name(&key));
        for (const auto& prior : v->fields) {
          if (prior.first == key)
            return Status::InvalidArgument(at(where, "input field \"" + key + "\" is given twice"));
        }
        SB_RETURN_IF_ERROR(expect_punct(':'));
        Value item;
        SB_RETURN_IF_ERROR(value(&item, constant));
        v->fields.emplace_back(std::move(key), std::move(item));
      }
      --depth_;
      return Status::Ok();
    }
    return unexpected("a value");
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Document> parse_document(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return Status::InvalidArgument("query is " + std::to_string(text.size()) + " bytes; the limit is " +
                                   std::to_string(kMaxQueryBytes));
  }
  Result<std::vector<Token>> tokens = tokenize(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return Status::InvalidArgument(at(tokens->front().where, "the query is empty"));
  return Parser(std::move(tokens).value()).document();
}

}  // namespace sb::clarus_sim::gql
