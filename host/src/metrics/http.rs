//! The middleware that times every HTTP request into
//! `http_request_duration_seconds`, labelled by the route's template
//! (axum's [`MatchedPath`], such as `/v1/matches/{match_id}/actions`; never
//! the raw path, whose ids would make a series per match), the method and
//! the status. A request no route matched (web pages, a typo) is
//! [`UNMATCHED`]; a method outside the standard ones is `OTHER`. So the
//! label values are bounded by the routes the host serves.
//!
//! Layered on the whole app with `Router::layer`, which wraps each route
//! after it matched: the template is in the request's extensions by then,
//! and the request's span takes it as its name too
//! ([`crate::gateway::correlation::note_route`]).

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// The `route` of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Middleware: runs the request and records how long it took.
pub async fn time(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>();
    let method = method_label(request.method());
    if let Some(route) = matched {
        crate::gateway::correlation::note_route(method, route.as_str());
    }
    let route = matched.map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    super::global()
        .http_requests
        .with(&[&route, method, response.status().as_str()])
        .observe_duration(started.elapsed());
    response
}

/// The `method` label: a standard method's name, else `OTHER`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_outside_the_standard_ones_is_other() {
        assert_eq!(method_label(&Method::POST), "POST");
        let odd = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_label(&odd), "OTHER");
    }
}
