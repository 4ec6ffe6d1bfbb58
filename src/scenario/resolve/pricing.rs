//! `[pricing]`: what one task of the sized group costs, so `plan` can print the cost per month
//! beside each task count. Fargate bills a task by two dimensions, its vCPUs and its memory,
//! each per hour (per second, with a one-minute minimum); a task size is one of Fargate's
//! vCPU steps with memory in the range allowed for it. There are no default prices (they
//! differ by region, CPU architecture and operating system, and change): without `[pricing]`
//! no cost is shown. Only `hours_per_month` has a default, 730 (24 × 365 / 12).

use super::super::error::ScenarioError;
use super::super::schema::RawPricing;
use super::check::positive;

/// Hours in a month by default: a year's 8760 hours over 12.
pub const DEFAULT_HOURS_PER_MONTH: f64 = 730.0;

/// Fargate's task sizes: vCPUs, and the least and most memory (GiB) allowed with them.
pub const TASK_SIZES: [(f64, f64, f64); 7] = [
    (0.25, 0.5, 2.0),
    (0.5, 1.0, 4.0),
    (1.0, 2.0, 8.0),
    (2.0, 4.0, 16.0),
    (4.0, 8.0, 30.0),
    (8.0, 16.0, 60.0),
    (16.0, 32.0, 120.0),
];

/// The checked `[pricing]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Pricing {
    /// vCPUs per task.
    pub vcpu_per_task: f64,
    /// Memory per task, GiB.
    pub memory_gib_per_task: f64,
    /// USD per vCPU-hour.
    pub usd_per_vcpu_hour: f64,
    /// USD per GiB-hour.
    pub usd_per_gib_hour: f64,
    /// Hours in a month.
    pub hours_per_month: f64,
}

impl Pricing {
    /// One task for an hour, USD.
    pub fn task_hour_usd(&self) -> f64 {
        self.vcpu_per_task * self.usd_per_vcpu_hour
            + self.memory_gib_per_task * self.usd_per_gib_hour
    }

    /// `tasks` tasks running for a month, USD.
    pub fn monthly_usd(&self, tasks: u32) -> f64 {
        f64::from(tasks) * self.task_hour_usd() * self.hours_per_month
    }
}

/// Writes the default back, so the output's `scenario.toml` shows the month used.
pub(super) fn fill(raw: &mut RawPricing) {
    raw.hours_per_month.get_or_insert(DEFAULT_HOURS_PER_MONTH);
}

/// Checks `[pricing]`: a Fargate task size, and prices that are numbers of dollars.
pub(super) fn resolve(raw: &RawPricing) -> Result<Pricing, ScenarioError> {
    let cpu = raw.vcpu_per_task;
    let Some(&(_, lo, hi)) = TASK_SIZES.iter().find(|s| s.0 == cpu) else {
        return Err(ScenarioError::at(
            "pricing.vcpu_per_task",
            format!("is a Fargate task size: 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs (got {cpu})"),
        ));
    };
    let mem = raw.memory_gib_per_task;
    if !(lo..=hi).contains(&mem) {
        return Err(ScenarioError::at(
            "pricing.memory_gib_per_task",
            format!("with {cpu} vCPUs Fargate allows {lo} to {hi} GiB (got {mem})"),
        ));
    }
    for (path, v) in [
        ("pricing.usd_per_vcpu_hour", raw.usd_per_vcpu_hour),
        ("pricing.usd_per_gib_hour", raw.usd_per_gib_hour),
    ] {
        if !(0.0..1000.0).contains(&v) {
            return Err(ScenarioError::at(
                path,
                format!("is a price per hour in USD, from 0 to below 1000 (got {v})"),
            ));
        }
    }
    let hours = raw.hours_per_month.unwrap_or(DEFAULT_HOURS_PER_MONTH);
    positive("pricing.hours_per_month", hours)?;
    if hours > 744.0 {
        return Err(ScenarioError::at(
            "pricing.hours_per_month",
            format!("a month has at most 744 hours (31 days) (got {hours})"),
        ));
    }
    Ok(Pricing {
        vcpu_per_task: cpu,
        memory_gib_per_task: mem,
        usd_per_vcpu_hour: raw.usd_per_vcpu_hour,
        usd_per_gib_hour: raw.usd_per_gib_hour,
        hours_per_month: hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(cpu: f64, mem: f64) -> RawPricing {
        RawPricing {
            vcpu_per_task: cpu,
            memory_gib_per_task: mem,
            usd_per_vcpu_hour: 0.04,
            usd_per_gib_hour: 0.005,
            hours_per_month: None,
        }
    }

    #[test]
    fn a_month_of_tasks_costs_both_dimensions() {
        let p = resolve(&raw(1.0, 2.0)).unwrap();
        assert_eq!(p.hours_per_month, DEFAULT_HOURS_PER_MONTH);
        // (1 × 0.04 + 2 × 0.005) × 730 = 36.5 per task.
        assert!((p.monthly_usd(1) - 36.5).abs() < 1e-9);
        assert!((p.monthly_usd(4) - 146.0).abs() < 1e-9);
        assert_eq!(p.monthly_usd(0), 0.0);
    }

    #[test]
    fn range_errors_name_the_field() {
        let field = |r: &RawPricing| resolve(r).unwrap_err().path;
        assert_eq!(field(&raw(0.3, 1.0)), "pricing.vcpu_per_task");
        assert_eq!(field(&raw(1.0, 16.0)), "pricing.memory_gib_per_task");
        assert_eq!(field(&raw(0.25, 0.25)), "pricing.memory_gib_per_task");
        let mut r = raw(1.0, 2.0);
        r.usd_per_gib_hour = -1.0;
        assert_eq!(field(&r), "pricing.usd_per_gib_hour");
        let mut r = raw(1.0, 2.0);
        r.usd_per_vcpu_hour = f64::NAN;
        assert_eq!(field(&r), "pricing.usd_per_vcpu_hour");
        let mut r = raw(1.0, 2.0);
        r.hours_per_month = Some(800.0);
        assert_eq!(field(&r), "pricing.hours_per_month");
        r.hours_per_month = Some(0.0);
        assert_eq!(field(&r), "pricing.hours_per_month");
        // Every Fargate size at its memory bounds is accepted.
        for (cpu, lo, hi) in TASK_SIZES {
            assert!(resolve(&raw(cpu, lo)).is_ok() && resolve(&raw(cpu, hi)).is_ok());
        }
    }
}
