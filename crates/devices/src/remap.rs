//! A compiled VRL program and the conversions between Steward events and VRL values.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Number, Value as Json};
use std::collections::BTreeMap;
use steward_model::time::ecs_timestamp;
use vrl::compiler::runtime::Runtime;
use vrl::compiler::{ExpressionError, Function, Program, TargetValue, TimeZone};
use vrl::value::{KeyString, Secrets, Value};

/// A family's mapping, compiled once and run for every record.
pub(crate) struct Remap {
    program: Program,
}

/// One compile problem: byte offset into the program source (when VRL points at one)
/// and the message.
pub(crate) struct CompileProblem {
    pub offset: Option<usize>,
    pub message: String,
}

/// What the program is told besides the event: reachable as `%received` and `%timezone`.
pub(crate) struct RunContext<'a> {
    pub received: DateTime<Utc>,
    pub timezone: &'a Tz,
}

/// The stdlib functions every mapping may call (`stdlib-base`: parsing and conversion, no
/// I/O). Built once; compiling looks functions up here.
static FUNCTIONS: std::sync::LazyLock<Vec<Box<dyn Function>>> =
    std::sync::LazyLock::new(vrl::stdlib::all);

/// Checks only the grammar of `source` (fast): the load-time check. Type errors, unknown
/// functions and unhandled fallible calls surface when the program is compiled.
pub(crate) fn check_syntax(source: &str) -> Result<(), CompileProblem> {
    use vrl::diagnostic::DiagnosticMessage;
    let problem = |e: &vrl::parser::Error| {
        let labels = e.labels();
        let offset = labels
            .iter()
            .find(|l| l.primary)
            .or(labels.first())
            .map(|l| l.span.start());
        CompileProblem {
            offset,
            message: e.message(),
        }
    };
    // The parser recovers from a bad statement and goes on, leaving an error node in
    // its place; the first such node is the error to report.
    let program = vrl::parser::parse(source).map_err(|e| problem(&e))?;
    for node in program.iter() {
        if let vrl::parser::ast::RootExpr::Error(e) = node.inner() {
            return Err(problem(e));
        }
    }
    Ok(())
}

impl Remap {
    /// Type-checks and compiles `source` with the stdlib. Slow for long programs (VRL's
    /// type checker clones the whole type state per expression: about a second for a
    /// 400-line mapping), which is why families compile on first use.
    pub(crate) fn compile_stdlib(source: &str) -> Result<Remap, Vec<CompileProblem>> {
        Remap::compile(source, &FUNCTIONS)
    }

    pub(crate) fn compile(
        source: &str,
        functions: &[Box<dyn Function>],
    ) -> Result<Remap, Vec<CompileProblem>> {
        match vrl::compiler::compile(source, functions) {
            Ok(result) => Ok(Remap {
                program: result.program,
            }),
            Err(diagnostics) => Err(diagnostics
                .into_iter()
                .filter(|d| d.is_problem())
                .map(|d| {
                    let offset = d
                        .labels
                        .iter()
                        .find(|l| l.primary)
                        .or(d.labels.first())
                        .map(|l| l.span.start());
                    let detail: Vec<&str> = d.labels.iter().map(|l| l.message.as_str()).collect();
                    let message = if detail.is_empty() {
                        d.message.clone()
                    } else {
                        format!("{} ({})", d.message, detail.join("; "))
                    };
                    CompileProblem { offset, message }
                })
                .collect()),
        }
    }

    /// Runs the program over `event`; the result is the program's `.`, which must stay an
    /// object. An `abort`, an unhandled error or a non-object result is an `Err`.
    pub(crate) fn run(
        &self,
        event: Map<String, Json>,
        ctx: &RunContext,
    ) -> Result<Map<String, Json>, String> {
        let mut metadata = BTreeMap::new();
        metadata.insert(KeyString::from("received"), Value::Timestamp(ctx.received));
        metadata.insert(
            KeyString::from("timezone"),
            Value::from(ctx.timezone.name()),
        );
        let mut target = TargetValue {
            value: Value::from(Json::Object(event)),
            metadata: Value::Object(metadata),
            secrets: Secrets::default(),
        };
        let timezone = TimeZone::Named(*ctx.timezone);
        let mut runtime = Runtime::default();
        if let Err(terminate) = runtime.resolve(&mut target, &self.program, &timezone) {
            match terminate.get_expression_error() {
                ExpressionError::Return { .. } => {}
                ExpressionError::Abort { message, .. } => {
                    return Err(message.unwrap_or_else(|| "aborted".to_owned()))
                }
                other => return Err(other.to_string()),
            }
        }
        match to_json(target.value) {
            Json::Object(map) => Ok(map),
            other => Err(format!(
                "the mapping left `.` as {}, not an object",
                kind(&other)
            )),
        }
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// VRL value -> JSON. Timestamps become ECS timestamps (RFC 3339, milliseconds, `Z`) so
/// they sort and compare like every other event's; non-finite floats become null; bytes
/// that are not UTF-8 are replaced, never dropped.
pub(crate) fn to_json(value: Value) -> Json {
    match value {
        Value::Bytes(b) => Json::String(String::from_utf8_lossy(&b).into_owned()),
        Value::String(s) => Json::String((*s).to_owned()),
        Value::Integer(i) => Json::Number(i.into()),
        Value::Float(f) => Number::from_f64(f.into_inner())
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::Boolean(b) => Json::Bool(b),
        Value::Timestamp(t) => Json::String(ecs_timestamp(t)),
        Value::Regex(r) => Json::String(r.as_str().to_owned()),
        Value::Null => Json::Null,
        Value::Array(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                let v = to_json(v);
                // VRL leaves nulls where a program assigned a failed lookup; an absent
                // field says the same thing more cheaply.
                if !v.is_null() {
                    out.insert(k.into(), v);
                }
            }
            Json::Object(out)
        }
    }
}
