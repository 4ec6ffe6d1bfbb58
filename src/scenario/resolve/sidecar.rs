//! `target_groups.<name>.sidecar`: the nginx reverse proxy in each task: its connections
//! (`worker_connections`, two per proxied request, less those nginx keeps for itself),
//! `proxy_read_timeout` and `keepalive_timeout`.

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
    let connections = connections(path, sc)?;
    let keepalive = sc
        .keepalive_timeout_s
        .unwrap_or(DEFAULT_KEEPALIVE_TIMEOUT_S);
    Ok(Sidecar {
        keepalive_timeout: span_s(
            &join_path(path, "keepalive_timeout_s"),
            positive(&join_path(path, "keepalive_timeout_s"), keepalive)?,
        )?,
        latency: optional_dist(sc.latency.as_ref(), &join_path(path, "latency"), base_dir)?,
        connections,
        read_timeout: span_s(
            &join_path(path, "proxy_read_timeout_s"),
            positive(
                &join_path(path, "proxy_read_timeout_s"),
                sc.proxy_read_timeout_s,
            )?,
        )?,
    })
}

/// The connection slots a task's nginx has for requests: `max_connections` less, in every
/// worker process, one per listening socket (`ngx_event_process_init`, src/event/ngx_event.c)
/// and one for the channel to the master (`ngx_worker_process_init`,
/// src/os/unix/ngx_process_cycle.c). At least one proxied request (two slots) must fit.
fn connections(path: &str, sc: &RawSidecar) -> Result<u32, ScenarioError> {
    for (field, value) in [
        ("worker_processes", sc.worker_processes),
        ("listen_sockets", sc.listen_sockets),
    ] {
        if value == 0 {
            return Err(ScenarioError::at(
                join_path(path, field),
                "must be at least 1",
            ));
        }
    }
    let reserved = u64::from(sc.worker_processes) * (u64::from(sc.listen_sockets) + 1);
    let usable = u64::from(sc.max_connections).saturating_sub(reserved);
    if usable < 2 {
        return Err(ScenarioError::at(
            join_path(path, "max_connections"),
            format!(
                "must be at least {}: each worker process keeps one connection per listening socket and one for its channel to the master ({reserved} here), and each proxied request holds two more, a client and an upstream connection (got {})",
                reserved + 2,
                sc.max_connections
            ),
        ));
    }
    Ok(usable as u32)
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
        // 512 less one listening socket and the channel of the one worker process.
        assert_eq!(s.connections, 510);
    }

    #[test]
    fn range_errors_name_the_field() {
        for (text, field) in [
            ("max_connections = 1", "max_connections"),
            ("max_connections = 3", "max_connections"),
            ("worker_processes = 0", "worker_processes"),
            ("listen_sockets = 0", "listen_sockets"),
            ("keepalive_timeout_s = 0", "keepalive_timeout_s"),
            ("proxy_read_timeout_s = -1", "proxy_read_timeout_s"),
            ("proxy_read_timeout_s = 1e-300", "proxy_read_timeout_s"),
            ("keepalive_timeout_s = 1e308", "keepalive_timeout_s"),
        ] {
            assert_eq!(sidecar(text).unwrap_err().path, format!("{PATH}.{field}"));
        }
    }
}
