//! Finishing the generated OpenAPI document: the error answers every operation can give
//! are added from what the operation has (a token, path ids, a body), so handlers declare
//! only their own outcomes and the document still lists every status the site sends.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| error_response(description));
}

fn complete_operation(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_path_id = params.iter().any(|p| match p {
        RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Path),
        RefOr::Ref(_) => false,
    });
    let has_input = !params.is_empty() || op.request_body.is_some();
    if secured {
        add(op, "401", "No token or session, or not a valid one");
        add(
            op,
            "403",
            "The caller's role lacks the permission this operation needs",
        );
    }
    if has_input {
        add(op, "400", "Malformed or invalid input");
    }
    if has_path_id {
        add(op, "404", "No such object");
    }
    if op.request_body.is_some() {
        add(op, "413", "The body is over the size limit");
        add(op, "415", "Wrong Content-Type");
    }
    add(op, "500", "A storage fault (logged at the site)");
    add(op, "503", "The site is shutting down or overloaded");
}

/// Adds the common error answers to every operation.
pub fn complete(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(op);
        }
    }
}
