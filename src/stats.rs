//! Streaming statistics: memory does not grow with the number of requests simulated.
//!
//! - [`latency::LatencyStat`]: an HDR histogram (3 significant digits) plus an exact sum and max.
//! - [`time_weighted::TimeWeighted`]: integrals over time (mean number in system, utilization).
//! - [`timeseries::TimeSeries`]: fixed-width buckets for `timeseries.csv`, their percentiles
//!   from [`interval_quantiles::IntervalQuantiles`] (cost per bucket follows its values).
//! - [`recorder::Recorder`]: what one replication observed, fed by the simulator.
//!
//! The figures of a run built from a recorder, and the SLO verdict, are one layer up, in
//! [`crate::results`], because they need the scenario; this layer knows only the vocabulary.

pub mod interval_quantiles;
pub mod latency;
pub mod recorder;
pub mod time_weighted;
pub mod timeseries;
