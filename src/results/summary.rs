//! The figures of a run, as the ordered tree that becomes `summary.json`, and their merge over
//! replications: each figure is the mean of the replications' values, with the half-width of its
//! 95% Student-t interval under `ci95.<same path>`. Merging walks the replications in index
//! order, so the result does not depend on which thread ran which replication.

use serde_json::{Map, Value, json};

use crate::engine::time::to_secs;
use crate::math::confidence::half_width;
use crate::scenario::Scenario;
use crate::stats::latency::LatencyStat;
use crate::stats::recorder::{Counts, Recorder};
use crate::vocab::{Failure, StageKind};

/// The figures of one replication (no metadata): `requests`, `throughput_rps`, ...
pub fn figures(sc: &Scenario, rec: &Recorder) -> Value {
    let measured_s = to_secs(rec.end - rec.warmup);
    let mut top = Map::new();
    add_traffic_figures(&mut top, &rec.counts, &rec.latency(), measured_s);
    // Requests still waiting when the run ends: normally a handful in transit, but a task
    // that black-holes traffic with no timeout to end the wait shows up only here.
    top["requests"]["in_flight_at_end"] = json!(rec.in_system.level());

    let mut stages = Map::new();
    for kind in StageKind::ALL {
        if rec.stages_present[kind as usize] {
            let s = &rec.stages[kind as usize];
            let mut fig = json!({ "mean": num(s.mean_ms()), "p50": num(s.quantile_ms(0.5)), "p99": num(s.quantile_ms(0.99)) });
            if kind == StageKind::AppQueue {
                // P(wait > 0): the Erlang C probability for an M/M/c app.
                fig["p_wait"] = num((s.count() > 0).then(|| rec.waited as f64 / s.count() as f64));
            }
            stages.insert(kind.name().into(), fig);
        }
    }
    top.insert("stages".into(), Value::Object(stages));

    let mut routes = Map::new();
    for (name, r) in sc.route_names.iter().zip(&rec.routes) {
        let mut m = Map::new();
        add_traffic_figures(&mut m, &r.counts, &r.latency, measured_s);
        routes.insert(name.clone(), Value::Object(m));
    }
    top.insert("routes".into(), Value::Object(routes));

    let window = rec.end - rec.warmup;
    let mut groups = Map::new();
    for (g, gs) in sc.groups.iter().zip(&rec.groups) {
        // Utilization is busy worker-time over worker-time while the task ran: a task that
        // started late or stopped early is not diluted by the time it did not exist.
        let workers = f64::from(gs.workers);
        let busy = |t: &crate::stats::recorder::TargetStats| t.busy.mean(rec.warmup, rec.end);
        let running = |t: &crate::stats::recorder::TargetStats| t.running.mean(rec.warmup, rec.end);
        let ratio = |b: f64, r: f64| if r > 0.0 { b / (workers * r) } else { 0.0 };
        let per_target: Vec<Value> = gs
            .targets
            .iter()
            .map(|t| {
                json!({
                    "requests": t.requests,
                    "utilization": ratio(busy(t), running(t)),
                    "max_queue": t.max_queue,
                })
            })
            .collect();
        let utilization = ratio(
            gs.targets.iter().map(busy).sum::<f64>(),
            gs.targets.iter().map(running).sum::<f64>(),
        );
        groups.insert(
            g.name.clone(),
            json!({
                "targets": g.targets,
                "healthy_min": if gs.healthy_min == u32::MAX { gs.healthy.level() as u32 } else { gs.healthy_min },
                "healthy_mean": gs.healthy.mean(rec.warmup, rec.end),
                "utilization": utilization,
                "requests": gs.targets.iter().map(|t| t.requests).sum::<u64>(),
                "health_transitions": gs.health_transitions,
                "probes": gs.probes,
                "tasks_started": gs.tasks_started,
                "max_queue": gs.targets.iter().map(|t| t.max_queue).max().unwrap_or(0),
                "per_target": per_target,
            }),
        );
    }
    top.insert("target_groups".into(), Value::Object(groups));

    if !sc.faults.is_empty() {
        let faults: Vec<Value> = rec
            .faults
            .iter()
            .map(|f| {
                let after = |t: Option<u64>| num(t.map(|t| to_secs(t - f.at)));
                json!({
                    "detected_after_s": after(f.detected),
                    "recovered_after_s": after(f.recovered),
                    "failed_requests": f.failed,
                })
            })
            .collect();
        top.insert("faults".into(), Value::Array(faults));
    }
    if sc.gateway.is_some() {
        top.insert(
            "gateway".into(),
            json!({ "authorizer_calls": rec.authorizer_calls }),
        );
    }

    // Little's law, L = λW, on the run's own figures: requests awaiting a response.
    top.insert(
        "little".into(),
        json!({
            "in_system_mean": rec.in_system.mean(rec.warmup, rec.end),
            "arrival_rate_rps": rec.counts.offered as f64 / to_secs(window),
            "response_mean_ms": num(rec.response_mean_ms()),
        }),
    );
    Value::Object(top)
}

fn add_traffic_figures(m: &mut Map<String, Value>, c: &Counts, lat: &LatencyStat, measured_s: f64) {
    let failures: Map<String, Value> = Failure::ALL
        .iter()
        .map(|f| (f.name().to_string(), json!(c.failures[f.index()])))
        .collect();
    m.insert(
        "requests".into(),
        json!({
            "offered": c.offered,
            "attempts": c.attempts,
            "completed": c.completed,
            "ok": c.ok,
            "failed": c.failed(),
            "failures": failures,
        }),
    );
    m.insert("throughput_rps".into(), json!(c.ok as f64 / measured_s));
    m.insert(
        "error_rate".into(),
        num((c.completed > 0).then(|| c.failed() as f64 / c.completed as f64)),
    );
    m.insert(
        "latency_ms".into(),
        json!({
            "mean": num(lat.mean_ms()),
            "p50": num(lat.quantile_ms(0.5)),
            "p90": num(lat.quantile_ms(0.9)),
            "p99": num(lat.quantile_ms(0.99)),
            "p999": num(lat.quantile_ms(0.999)),
            "max": num(lat.max_ms()),
        }),
    );
}

/// A figure that may be undefined (no samples): JSON `null`.
fn num(v: Option<f64>) -> Value {
    v.filter(|x| x.is_finite())
        .map_or(Value::Null, |x| json!(x))
}

/// The figures of every replication merged: `(mean figures, ci95 half-widths or None)`.
pub fn merge(replications: &[Value]) -> (Value, Option<Value>) {
    assert!(!replications.is_empty());
    if replications.len() == 1 {
        return (replications[0].clone(), None);
    }
    merge_node(replications)
}

fn merge_node(values: &[Value]) -> (Value, Option<Value>) {
    match &values[0] {
        Value::Object(first) => {
            let mut mean = Map::new();
            let mut ci = Map::new();
            for key in first.keys() {
                let children: Vec<Value> = values
                    .iter()
                    .map(|v| v.get(key).cloned().unwrap_or(Value::Null))
                    .collect();
                let (m, c) = merge_node(&children);
                mean.insert(key.clone(), m);
                if let Some(c) = c {
                    ci.insert(key.clone(), c);
                }
            }
            (Value::Object(mean), Some(Value::Object(ci)))
        }
        Value::Array(first) => {
            let mut mean = Vec::with_capacity(first.len());
            let mut ci = Vec::with_capacity(first.len());
            for i in 0..first.len() {
                let children: Vec<Value> = values
                    .iter()
                    .map(|v| v.get(i).cloned().unwrap_or(Value::Null))
                    .collect();
                let (m, c) = merge_node(&children);
                mean.push(m);
                ci.push(c.unwrap_or(Value::Null));
            }
            (Value::Array(mean), Some(Value::Array(ci)))
        }
        _ => {
            // Replications with no value (no successful request) are left out of the mean.
            let xs: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            if xs.is_empty() {
                return (Value::Null, Some(Value::Null));
            }
            let mean = xs.iter().sum::<f64>() / xs.len() as f64;
            (json!(mean), Some(num(half_width(&xs, 0.95))))
        }
    }
}

/// The whole `summary.json` document.
pub fn document(sc: &Scenario, figures: Value, ci95: Option<Value>, slo: Option<Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("scenario".into(), json!(sc.name));
    doc.insert("seed".into(), json!(sc.seed));
    doc.insert("replications".into(), json!(sc.replications));
    doc.insert("simulated_s".into(), json!(to_secs(sc.duration)));
    doc.insert("measured_s".into(), json!(to_secs(sc.duration - sc.warmup)));
    if let Value::Object(f) = figures {
        doc.extend(f);
    }
    if let Some(ci) = ci95 {
        doc.insert("ci95".into(), ci);
    }
    if let Some(slo) = slo {
        doc.insert("slo".into(), slo);
    }
    Value::Object(doc)
}

/// Looks up a dotted path (`latency_ms.p99`) in a figure tree.
pub fn lookup<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(tree, |node, key| match node {
        Value::Array(a) => a.get(key.parse::<usize>().ok()?),
        _ => node.get(key),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_means_and_intervals() {
        let reps = vec![
            json!({"a": 1.0, "b": {"c": 10}, "d": null, "e": [1, 3]}),
            json!({"a": 3.0, "b": {"c": 20}, "d": 5.0, "e": [3, 5]}),
        ];
        let (mean, ci) = merge(&reps);
        assert_eq!(mean["a"], json!(2.0));
        assert_eq!(mean["b"]["c"], json!(15.0));
        assert_eq!(mean["d"], json!(5.0));
        assert_eq!(mean["e"], json!([2.0, 4.0]));
        let ci = ci.unwrap();
        // Two values 1 and 3: sd = sqrt(2), t(0.975, 1) = 12.706.
        let hw = ci["a"].as_f64().unwrap();
        assert!(
            (hw - 12.706 * 2f64.sqrt() / 2f64.sqrt()).abs() < 1e-2,
            "{hw}"
        );
        assert_eq!(lookup(&mean, "b.c"), Some(&json!(15.0)));
        assert_eq!(lookup(&mean, "e.1"), Some(&json!(4.0)));
    }

    #[test]
    fn single_replication_is_kept_as_is() {
        let (mean, ci) = merge(&[json!({"a": 7})]);
        assert_eq!(mean, json!({"a": 7}));
        assert!(ci.is_none());
    }
}
