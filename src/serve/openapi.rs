//! The OpenAPI 3.1 document at `/openapi.json`, generated from the handlers' own annotations and
//! response types (utoipa), so it cannot drift from the code. The reference endpoints depthscope
//! does not compute yet are listed too, each answering 501.

use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::{Content, RefOr, ResponseBuilder};

use super::error::ErrorBody;
use super::market::NOT_COMPUTED;
use super::{books, market, stream};

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
        books::book,
        books::health,
        stream::stream,
    ),
    components(schemas(ErrorBody))
)]
struct Doc;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Doc::openapi();
    for (path, what) in NOT_COMPUTED {
        let error = RefOr::T(
            ResponseBuilder::new()
                .description(format!("{what} is not computed by depthscope yet"))
                .content(
                    "application/json",
                    Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    )))),
                )
                .build(),
        );
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
    doc
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
        assert!(
            paths["/v1/regime/{symbol}"]["get"]["responses"]
                .get("501")
                .is_some()
        );
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
