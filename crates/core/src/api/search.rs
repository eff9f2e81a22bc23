//! Package search (`npm search`, libnpmsearch): one page of results, `size` from `from`, ranked
//! by the weights given (npm's defaults otherwise).

use serde_json::{json, Map, Value};

use super::decode::{pick, Decoder, Type};
use super::{Auth, Endpoint, Input, Kind, Query};

const WEIGHT: Kind = Kind::Number {
    min: 0.0,
    max: 1.0,
    whole: false,
};

/// `npm search <text>`: `GET /-/v1/search` with libnpmsearch's query and defaults.
pub const SEARCH: Endpoint = Endpoint {
    name: "search",
    command: "search",
    path: "-/v1/search",
    query: &[
        Query::Option("text", None),
        Query::Option("size", Some(20.0)),
        Query::Option("from", Some(0.0)),
        Query::Option("quality", Some(0.65)),
        Query::Option("popularity", Some(0.98)),
        Query::Option("maintenance", Some(0.5)),
    ],
    inputs: &[
        Input::new("text", Kind::Text),
        // The registry answers at most 250 results a page.
        Input::optional(
            "size",
            Kind::Number {
                min: 1.0,
                max: 250.0,
                whole: true,
            },
        ),
        Input::optional(
            "from",
            Kind::Number {
                min: 0.0,
                max: u32::MAX as f64,
                whole: true,
            },
        ),
        Input::optional("quality", WEIGHT),
        Input::optional("popularity", WEIGHT),
        Input::optional("maintenance", WEIGHT),
    ],
    decode: Some(Decoder {
        what: "search results",
        read: |answer, _| {
            let objects = answer.get("objects")?.as_array()?;
            let mut page = pick(
                answer,
                &[
                    ("total", "total", Type::Number),
                    ("time", "time", Type::Text),
                ],
            );
            let results: Vec<Value> = objects.iter().filter_map(result).collect();
            // Without a total of its own, the page is all there is.
            page.entry("total").or_insert(json!(results.len()));
            page.insert("objects".into(), Value::Array(results));
            Some(Value::Object(page))
        },
    }),
    auth: Auth::IfConfigured,
    action: "search packages",
    subject: "the search endpoint",
    ..Endpoint::ROW
};

/// One result: `{ package, score, searchScore }`; none without a package name.
fn result(object: &Value) -> Option<Value> {
    let package = object.get("package")?;
    let mut summary = pick(
        package,
        &[
            ("name", "name", Type::Text),
            ("scope", "scope", Type::Text),
            ("version", "version", Type::Text),
            ("description", "description", Type::Text),
            ("keywords", "keywords", Type::Texts),
            ("date", "date", Type::Text),
            ("license", "license", Type::Text),
        ],
    );
    summary.get("name")?;
    if let Some(links) = package.get("links").and_then(Value::as_object) {
        let links: Map<String, Value> = links
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        summary.insert("links".into(), Value::Object(links));
    }
    let person = |p: &Value| {
        let person = pick(
            p,
            &[
                ("username", "username", Type::Text),
                ("email", "email", Type::Text),
            ],
        );
        person
            .contains_key("username")
            .then_some(Value::Object(person))
    };
    if let Some(publisher) = package.get("publisher").and_then(person) {
        summary.insert("publisher".into(), publisher);
    }
    if let Some(maintainers) = package.get("maintainers").and_then(Value::as_array) {
        let maintainers = maintainers.iter().filter_map(person).collect();
        summary.insert("maintainers".into(), Value::Array(maintainers));
    }
    let mut out = Map::new();
    out.insert("package".into(), Value::Object(summary));
    if let Some(score) = object.get("score") {
        let mut scores = pick(score, &[("final", "final", Type::Number)]);
        if let Some(detail) = score.get("detail") {
            let detail = pick(
                detail,
                &[
                    ("quality", "quality", Type::Number),
                    ("popularity", "popularity", Type::Number),
                    ("maintenance", "maintenance", Type::Number),
                ],
            );
            scores.insert("detail".into(), Value::Object(detail));
        }
        out.insert("score".into(), Value::Object(scores));
    }
    if let Some(search_score) = object.get("searchScore").filter(|s| s.is_number()) {
        out.insert("searchScore".into(), search_score.clone());
    }
    Some(Value::Object(out))
}
