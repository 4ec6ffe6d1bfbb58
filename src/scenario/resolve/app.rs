//! `target_groups.<name>.app`: the application container: workers, queue limit, service time
//! (and per-task factors), error rate and a downstream dependency.

use std::path::Path;

use super::super::dist;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::{QueueLimit, RawApp};
use super::super::{App, Dependency};
use super::check::fraction;

/// Checks a group's app; the group has `targets` tasks.
pub(super) fn resolve(
    app: &RawApp,
    path: &str,
    targets: u32,
    base_dir: &Path,
) -> Result<App, ScenarioError> {
    if app.workers == 0 {
        return Err(ScenarioError::at(
            join_path(path, "workers"),
            "must be at least 1",
        ));
    }
    fraction(&join_path(path, "error_rate"), app.error_rate)?;
    let service = dist::build(&app.service, &join_path(path, "service"), base_dir)?;
    if app.service_factors.len() > targets as usize {
        return Err(ScenarioError::at(
            join_path(path, "service_factors"),
            format!(
                "has {} entries but the group has {} targets",
                app.service_factors.len(),
                targets
            ),
        ));
    }
    for (i, &f) in app.service_factors.iter().enumerate() {
        if !(f > 0.0 && f.is_finite()) {
            return Err(ScenarioError::at(
                join_path(&join_path(path, "service_factors"), i),
                format!("must be greater than 0 (got {f})"),
            ));
        }
    }
    let mut service_factors = app.service_factors.clone();
    service_factors.resize(targets as usize, 1.0);
    let dependency = match &app.dependency {
        Some(d) => {
            let dpath = join_path(path, "dependency");
            fraction(&join_path(&dpath, "error_rate"), d.error_rate)?;
            Some(Dependency {
                latency: dist::build(&d.latency, &join_path(&dpath, "latency"), base_dir)?,
                error_rate: d.error_rate,
            })
        }
        None => None,
    };
    Ok(App {
        workers: app.workers,
        queue_limit: match app.queue_limit {
            QueueLimit::Limited(n) => n.min(u32::MAX - 1),
            QueueLimit::Unbounded => u32::MAX,
        },
        service,
        service_factors,
        error_rate: app.error_rate,
        dependency,
    })
}
