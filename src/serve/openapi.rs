//! The OpenAPI 3.1 document at `/openapi.json`, generated from the handlers' own annotations and
//! response types (utoipa), so it cannot drift from the code. The reference endpoints depthscope
//! does not compute yet are listed too, each answering 501.

use utoipa::OpenApi;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, PathItem};
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{Content, RefOr, Response, ResponseBuilder};

use super::error::ErrorBody;
use super::market::NOT_COMPUTED;
use super::{analytics, books, frames, market, stream};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "depthscope market-context API",
        description = "Order-book, flow and derivatives reads computed locally by depthscope from \
            public exchange feeds, compatible in paths and names with the market-context API \
            described in the project's spec. Values are depthscope's (see docs/metrics.md); a \
            value that cannot be computed at the moment is null, never 0. On a loopback listener \
            no key is needed; otherwise send X-API-Key. Every response carries X-RateLimit-Limit, \
            X-RateLimit-Remaining and X-RateLimit-Reset; 429 carries Retry-After."
    ),
    paths(
        market::features,
        market::composite,
        market::liquidations,
        market::large_trades,
        market::cvd,
        market::derivatives_flow,
        market::symbols,
        market::cascade_risk,
        market::depth_profile,
        market::basis,
        market::tiers,
        analytics::support_resistance,
        analytics::regime,
        analytics::drift,
        analytics::consensus,
        analytics::arbitrage,
        analytics::arbitrage_symbol,
        analytics::market_protection,
        analytics::positioning,
        analytics::spot_futures,
        books::book,
        books::health,
        stream::stream,
        frames::frames,
    ),
    components(schemas(ErrorBody))
)]
struct Doc;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Doc::openapi();
    for (path, what) in NOT_COMPUTED {
        let error = error_response(format!("{what} is not computed by depthscope yet"));
        let mut operation = OperationBuilder::new()
            .summary(Some(format!("{what} (not computed yet: 501)")))
            .tag("not-computed")
            .response("501", error);
        for name in path_parameters(path) {
            operation = operation.parameter(
                utoipa::openapi::path::ParameterBuilder::new()
                    .name(name)
                    .parameter_in(utoipa::openapi::path::ParameterIn::Path)
                    .required(utoipa::openapi::Required::True)
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String),
                    )),
            );
        }
        doc.paths.paths.insert(
            (*path).to_owned(),
            PathItem::new(HttpMethod::Get, operation),
        );
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            declare_guard(operation);
        }
    }
    doc
}

/// A JSON error answer (`{"detail": ...}`).
fn error_response(description: String) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                )))),
            )
            .build(),
    )
}

/// What the guard in front of every route adds (`serve/mod.rs`): the 400, 401 and 429 answers it may
/// give instead of the handler's, and the headers it puts on every answer, declared on every
/// response so a client generated from the document sees them.
fn declare_guard(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    responses.entry("400".into()).or_insert_with(|| {
        error_response(
            "an unknown or malformed query parameter, a query string too long, or a body".into(),
        )
    });
    responses.entry("401".into()).or_insert_with(|| {
        error_response(
            "a key is needed (a listener off loopback) and X-API-Key is missing or unknown".into(),
        )
    });
    responses.entry("429".into()).or_insert_with(|| {
        error_response("the caller's rate limit is reached: retry after Retry-After seconds".into())
    });
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        for (name, header) in guard_headers(status == "429") {
            response.headers.insert(name.into(), header);
        }
    }
}

fn header(schema: Object, description: &str) -> Header {
    let mut header = Header::new(schema);
    header.description = Some(description.into());
    header
}

/// The headers of every answer; `Retry-After` only with a 429.
fn guard_headers(too_many: bool) -> Vec<(&'static str, Header)> {
    let integer = || Object::with_type(Type::Integer);
    let mut headers = vec![
        (
            "X-RateLimit-Limit",
            header(
                integer(),
                "Requests allowed per minute to this caller (sliding window).",
            ),
        ),
        (
            "X-RateLimit-Remaining",
            header(integer(), "Requests left in the current window."),
        ),
        (
            "X-RateLimit-Reset",
            header(integer(), "When the window has room again, unix seconds."),
        ),
        (
            "X-Depthscope-Mode",
            header(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["live", "simulated", "replay"]))
                    .build(),
                "Where the numbers come from: `live` exchange feeds, the `simulated` market of \
                 `--demo`, or a `replay` of a capture. Only `live` is the market.",
            ),
        ),
    ];
    if too_many {
        headers.push((
            "Retry-After",
            header(integer(), "Seconds to wait before the next request."),
        ));
    }
    headers
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_and_lists_every_route() {
        let json = serde_json::to_value(document()).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = json["paths"].as_object().unwrap();
        for path in [
            "/v1/orderbook/features/{symbol}",
            "/v1/stream",
            "/v1/books/{venue}/{instrument}",
            "/v1/health",
            "/v1/regime/{symbol}",
        ] {
            assert!(paths.contains_key(path), "{path} missing");
        }
        let regime = &paths["/v1/regime/{symbol}"]["get"]["responses"];
        assert!(regime.get("200").is_some() && regime.get("501").is_none());
        assert!(
            paths["/v1/historical/features/{symbol}"]["get"]["responses"]
                .get("501")
                .is_some()
        );
    }

    #[test]
    fn every_response_declares_the_guards_headers() {
        let json = serde_json::to_value(document()).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            let responses = item["get"]["responses"].as_object().unwrap();
            assert!(responses.contains_key("429"), "{path}");
            for (status, response) in responses {
                let headers = &response["headers"];
                for name in [
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                ] {
                    assert_eq!(
                        headers[name]["schema"]["type"], "integer",
                        "{path} {status}"
                    );
                }
                assert!(headers["X-Depthscope-Mode"].is_object(), "{path} {status}");
                assert_eq!(
                    headers.get("Retry-After").is_some(),
                    status == "429",
                    "{path} {status}"
                );
            }
        }
    }

    #[test]
    fn path_parameters_name_a_part_of_their_path_and_query_ones_do_not() {
        let json = serde_json::to_value(document()).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for param in op["parameters"].as_array().into_iter().flatten() {
                    let name = param["name"].as_str().unwrap();
                    let in_path = path.contains(&format!("{{{name}}}"));
                    assert_eq!(
                        param["in"] == "path",
                        in_path,
                        "{method} {path}: parameter {name} is in {}",
                        param["in"]
                    );
                }
            }
        }
    }
}
