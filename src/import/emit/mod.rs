//! The shared model ([`Infra`]) to scenario TOML: every imported value carries a comment naming
//! the resource it came from, and every value the code does not say is written with an
//! `# ASSUMED:` comment and listed in the header (and returned, for stderr).
//!
//! [`emit`] only sequences the sections; each file writes one part:
//! - `writer.rs`: the TOML writer (`key = value  # note`), literal helpers, [`sanitize`];
//! - `context.rs`: the scenario's groups and load balancer names, shared by every section;
//! - `routes.rs`: choosing the API and its routes, route auth; `integration.rs`: where an
//!   integration's requests go;
//! - `traffic.rs`: `[[traffic]]`; `gateway.rs`: `[gateway]` with its authorizer and routes;
//! - `load_balancers.rs`: load balancers, listeners and rules;
//! - `target_groups.rs`: each group, with `tg_settings.rs` (balancing, health check),
//!   `tasks.rs` (ECS service, container health check, sidecar, app) and `autoscaling.rs`.

mod autoscaling;
mod context;
mod gateway;
mod integration;
mod load_balancers;
mod routes;
mod target_groups;
mod tasks;
mod tg_settings;
mod traffic;
mod writer;

use super::infra::*;
use context::Ctx;
use writer::{Note, Writer, s};

pub use writer::sanitize;

/// What `emit` produced.
#[derive(Debug)]
pub struct Emitted {
    /// The scenario file.
    pub toml: String,
    /// `key = value: why`, one per assumed value.
    pub assumed: Vec<String>,
    /// Resources (or parts of them) not imported, with why.
    pub not_imported: Vec<String>,
}

/// What the command line says about the input, for the header.
pub struct Source<'a> {
    /// `cloudformation`, `openapi` or `terraform`.
    pub kind: &'a str,
    /// The input path as given.
    pub path: &'a str,
    /// `simulation.name`.
    pub name: &'a str,
}

/// Writes `infra` as a scenario.
pub fn emit(infra: &Infra, source: &Source) -> Emitted {
    let mut ctx = Ctx::new(infra);
    let mut w = Writer::default();
    write_simulation(&mut w, source);
    let chosen = routes::choose_api(&mut ctx);
    traffic::write_traffic(
        &mut w,
        &mut ctx,
        chosen.as_ref().map(|c| c.routes.as_slice()),
    );
    let used_lbs = match &chosen {
        Some(c) => gateway::write_gateway(&mut w, &ctx, c),
        None => Vec::new(),
    };
    load_balancers::write_load_balancers(&mut w, &mut ctx, &used_lbs);
    target_groups::write_groups(&mut w, &mut ctx, &used_lbs);
    let mut not_imported = ctx.not_imported;
    not_imported.extend(infra.notes.iter().cloned());
    let toml = format!("{}\n{}", header(source, &w.assumed, &not_imported), w.out);
    debug_assert!(toml.ends_with('\n'));
    Emitted {
        toml,
        assumed: w.assumed,
        not_imported,
    }
}

/// `[simulation]`: the name, and an assumed run length and warm-up.
fn write_simulation(w: &mut Writer, source: &Source) {
    w.section("[simulation]");
    w.kv(
        "simulation",
        "name",
        s(source.name),
        Note::Plain("the input's name".into()),
    );
    w.kv(
        "simulation",
        "duration_s",
        "600".into(),
        Note::Assumed("run length: not infrastructure".into()),
    );
    w.kv(
        "simulation",
        "warmup_s",
        "60".into(),
        Note::Assumed("warm-up: not infrastructure".into()),
    );
}

/// The header comment: the command, the assumed values and what was not imported.
fn header(source: &Source, assumed: &[String], not_imported: &[String]) -> String {
    let mut head = Writer::default();
    head.comment(&format!(
        "Imported by `simroute import {} {}`.",
        source.kind, source.path
    ));
    head.comment(
        "Each value says which resource it came from; values marked ASSUMED are not in the code:",
    );
    head.comment("replace them with your own measurements (or fill them from `simroute fit`).");
    head.comment("");
    head.comment("Assumed values:");
    for a in assumed {
        head.comment(&format!("  - {a}"));
    }
    if !not_imported.is_empty() {
        head.comment("");
        head.comment("Not imported:");
        for u in not_imported {
            head.comment(&format!("  - {u}"));
        }
    }
    head.out
}
