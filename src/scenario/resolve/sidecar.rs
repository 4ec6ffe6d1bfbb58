//! `target_groups.<name>.sidecar`: the nginx reverse proxy in each task: its connections
//! (`worker_connections`, two per proxied request), listen backlog, `proxy_read_timeout` and
//! `keepalive_timeout`.

use std::path::Path;

use super::super::Sidecar;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::RawSidecar;
use super::check::{optional_dist, positive, span_s};
use crate::engine::time::to_secs;

/// nginx `keepalive_timeout` default (nginx.org, ngx_http_core_module: 75 s).
const DEFAULT_KEEPALIVE_TIMEOUT_S: f64 = 75.0;

/// Checks a group's sidecar.
pub(super) fn resolve(
    sc: &RawSidecar,
    path: &str,
    base_dir: &Path,
) -> Result<Sidecar, ScenarioError> {
    if sc.max_connections < 2 {
        return Err(ScenarioError::at(
            join_path(path, "max_connections"),
            format!(
                "must be at least 2: each proxied request holds a client and an upstream connection (got {})",
                sc.max_connections
            ),
        ));
    }
    let keepalive = sc
        .keepalive_timeout_s
        .unwrap_or(DEFAULT_KEEPALIVE_TIMEOUT_S);
    Ok(Sidecar {
        keepalive_timeout: span_s(
            &join_path(path, "keepalive_timeout_s"),
            positive(&join_path(path, "keepalive_timeout_s"), keepalive)?,
        )?,
        latency: optional_dist(sc.latency.as_ref(), &join_path(path, "latency"), base_dir)?,
        concurrency: sc.max_connections / 2,
        backlog: sc.backlog,
        read_timeout: span_s(
            &join_path(path, "proxy_read_timeout_s"),
            positive(
                &join_path(path, "proxy_read_timeout_s"),
                sc.proxy_read_timeout_s,
            )?,
        )?,
    })
}

/// Writes the keep-alive timeout into the raw sidecar; only behind an ALB does it matter.
pub(super) fn fill(sc: &mut RawSidecar, resolved: &Sidecar) {
    sc.keepalive_timeout_s = Some(to_secs(resolved.keepalive_timeout));
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "target_groups.g.sidecar";

    fn sidecar(text: &str) -> Result<Sidecar, ScenarioError> {
        resolve(&toml::from_str(text).unwrap(), PATH, Path::new("."))
    }

    #[test]
    fn defaults_are_nginx_ones() {
        let s = sidecar("").unwrap();
        assert_eq!(s.keepalive_timeout, 75_000_000_000);
        assert_eq!(s.read_timeout, 60_000_000_000);
        assert_eq!((s.concurrency, s.backlog), (256, 511));
    }

    #[test]
    fn range_errors_name_the_field() {
        for (text, field) in [
            ("max_connections = 1", "max_connections"),
            ("keepalive_timeout_s = 0", "keepalive_timeout_s"),
            ("proxy_read_timeout_s = -1", "proxy_read_timeout_s"),
            ("proxy_read_timeout_s = 1e-300", "proxy_read_timeout_s"),
            ("keepalive_timeout_s = 1e308", "keepalive_timeout_s"),
        ] {
            assert_eq!(sidecar(text).unwrap_err().path, format!("{PATH}.{field}"));
        }
    }
}
