//! What every section writer shares: the infrastructure, the scenario's target groups (each ECS
//! service with what it registers with, then the lone target groups and Cloud Map services), the
//! load balancers' scenario names, and the list of what was not imported.

use std::collections::BTreeMap;

use super::super::infra::*;
use super::writer::sanitize;

/// One scenario target group: an ECS service and what it registers with, or a lone target group
/// or Cloud Map service.
pub(super) struct Group<'a> {
    pub(super) name: String,
    pub(super) service: Option<&'a Service>,
    pub(super) tg: Option<&'a TargetGroup>,
    pub(super) discovery: Option<&'a DiscoveryService>,
    pub(super) task: Option<&'a TaskDefinition>,
}

/// The emitter's state between sections.
pub(super) struct Ctx<'a> {
    pub(super) infra: &'a Infra,
    pub(super) groups: Vec<Group<'a>>,
    /// Load balancer ID → its scenario name.
    pub(super) lb_names: BTreeMap<String, String>,
    pub(super) not_imported: Vec<String>,
}

impl<'a> Ctx<'a> {
    /// The groups, load balancer names and the resources the reader left out.
    pub(super) fn new(infra: &'a Infra) -> Ctx<'a> {
        let mut not_imported: Vec<String> = infra
            .unsupported
            .iter()
            .map(|(p, why)| format!("{p}: {why}"))
            .collect();
        let groups = build_groups(infra, &mut not_imported);
        Ctx {
            infra,
            groups,
            lb_names: lb_names(infra),
            not_imported,
        }
    }

    pub(super) fn group_of_tg(&self, tg_ref: &str) -> Option<&Group<'a>> {
        self.groups
            .iter()
            .find(|g| g.tg.is_some_and(|t| points_at(tg_ref, &t.id)))
    }

    pub(super) fn lb(&self, reference: &str) -> Option<&'a LoadBalancer> {
        self.infra
            .load_balancers
            .iter()
            .find(|l| points_at(reference, &l.id))
    }

    /// The load balancer (if any) whose listener or rule forwards to target group `tg`.
    pub(super) fn lb_of_tg(&self, tg: &TargetGroup) -> Option<&'a LoadBalancer> {
        let forwards = |a: &Action| matches!(a, Action::Forward(r) if points_at(r, &tg.id));
        for l in &self.infra.listeners {
            let by_rule = self
                .infra
                .rules
                .iter()
                .any(|r| points_at(&r.listener, &l.id) && forwards(&r.action));
            if l.default_action.as_ref().is_some_and(forwards) || by_rule {
                return self.lb(&l.lb);
            }
        }
        None
    }
}

/// `base`, or `base-2`, `base-3`, ... whichever is not taken yet (`group` for an empty base).
pub(super) fn unique_name(taken: &[String], base: String) -> String {
    let base = if base.is_empty() {
        "group".to_string()
    } else {
        base
    };
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|c| !taken.contains(c))
        .expect("a free name")
}

/// A resource's scenario name: its own name sanitized, else its ID sanitized.
fn base_name(name: Option<&str>, id: &str) -> String {
    name.map(sanitize)
        .filter(|x| !x.is_empty())
        .unwrap_or_else(|| sanitize(id))
}

/// Each load balancer's scenario name, unique.
fn lb_names(infra: &Infra) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut taken = Vec::new();
    for lb in &infra.load_balancers {
        let name = unique_name(&taken, base_name(lb.name.as_deref(), &lb.id));
        taken.push(name.clone());
        names.insert(lb.id.clone(), name);
    }
    names
}

/// The scenario's groups: one per ECS service, then one per target group and Cloud Map service
/// no service uses.
fn build_groups<'a>(infra: &'a Infra, not_imported: &mut Vec<String>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut used_tgs = Vec::new();
    let mut used_ds = Vec::new();
    for svc in &infra.services {
        let group = service_group(infra, svc, not_imported);
        used_tgs.extend(
            svc.target_groups
                .iter()
                .filter_map(|r| infra.target_groups.iter().find(|t| points_at(r, &t.id)))
                .map(|t| t.id.clone()),
        );
        if let Some(d) = group.discovery {
            used_ds.push(d.id.clone());
        }
        let taken: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        groups.push(Group {
            name: unique_name(&taken, group.name),
            ..group
        });
    }
    for tg in &infra.target_groups {
        if !used_tgs.contains(&tg.id) {
            push_lone(
                &mut groups,
                base_name(tg.name.as_deref(), &tg.id),
                Some(tg),
                None,
            );
        }
    }
    for ds in &infra.discovery_services {
        if !used_ds.contains(&ds.id) {
            push_lone(
                &mut groups,
                base_name(ds.name.as_deref(), &ds.id),
                None,
                Some(ds),
            );
        }
    }
    groups
}

/// A service's group, named for the service (else its first target group, else its ID; not yet
/// made unique).
fn service_group<'a>(
    infra: &'a Infra,
    svc: &'a Service,
    not_imported: &mut Vec<String>,
) -> Group<'a> {
    let tgs: Vec<&TargetGroup> = svc
        .target_groups
        .iter()
        .filter_map(|r| infra.target_groups.iter().find(|t| points_at(r, &t.id)))
        .collect();
    if tgs.len() > 1 {
        not_imported.push(format!(
            "{}: registers with {} target groups; only {} is modelled (a scenario group has one)",
            svc.prov,
            tgs.len(),
            tgs[0].prov
        ));
    }
    let discovery = svc.registries.iter().find_map(|r| {
        infra
            .discovery_services
            .iter()
            .find(|d| points_at(r, &d.id))
    });
    let task = svc
        .task_definition
        .as_ref()
        .and_then(|r| infra.task_definitions.iter().find(|t| points_at(r, &t.id)));
    let name = svc
        .name
        .as_deref()
        .map(sanitize)
        .filter(|n| !n.is_empty())
        .or_else(|| tgs.first().and_then(|t| t.name.as_deref()).map(sanitize))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| sanitize(&svc.id));
    Group {
        name,
        service: Some(svc),
        tg: tgs.first().copied(),
        discovery,
        task,
    }
}

/// A group with no ECS service: a lone target group or Cloud Map service.
fn push_lone<'a>(
    groups: &mut Vec<Group<'a>>,
    base: String,
    tg: Option<&'a TargetGroup>,
    discovery: Option<&'a DiscoveryService>,
) {
    let taken: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    groups.push(Group {
        name: unique_name(&taken, base),
        service: None,
        tg,
        discovery,
        task: None,
    });
}
