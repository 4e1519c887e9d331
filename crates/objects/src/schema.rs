//! OpenAPI schemas for values held as plain strings but limited to a known set, so the
//! document lists exactly what the validation accepts.

use steward_secops::Category;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::{Object, ObjectBuilder, Type};

/// A string that must be one of `values`.
pub fn one_of<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Object {
    let values: Vec<serde_json::Value> = values
        .into_iter()
        .map(|v| serde_json::Value::String(v.into()))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

/// An article language: `zh` or `en`.
pub fn lang() -> Object {
    one_of(steward_kb::LANGS)
}

/// An optional article language in a JSON body: `zh`, `en` or `null`.
pub fn lang_or_null() -> Object {
    let mut schema = lang();
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    schema
        .enum_values
        .get_or_insert_with(Vec::new)
        .push(serde_json::Value::Null);
    schema
}

/// An article category: an incident category or a starter-set topic (`web_attack`, …).
pub fn article_category() -> Object {
    let mut names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    for topic in steward_kb::CATEGORIES {
        if !names.contains(&topic) {
            names.push(topic);
        }
    }
    one_of(names)
}
