//! Value stability of the benchmark configurations: a speed change must not change what is
//! simulated. Each configuration's figures (every figure of `summary.json`'s `figures`, the
//! event count and the requests) are hashed at the default 600 s and compared with the hash
//! recorded here, so `simroute bench` refuses to report a speed for a build whose results
//! moved, and a test checks the same (as rand_distr's value-stability tests do for draws).
//!
//! A change that moves results on purpose (a corrected rule) re-records the hashes below; the
//! golden-output test names which files moved.

use crate::results::summary;
use crate::scenario::Scenario;
use crate::sim::RunOutput;

/// The simulated seconds the hashes are recorded at (`simroute bench`'s default).
pub const RECORDED_AT_S: f64 = 600.0;

/// The configurations `simroute bench` runs, and their recorded hashes at [`RECORDED_AT_S`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Config {
    /// The 10-target M/M/c on the simulator's queue.
    MMc,
    /// The storage-service path at 10 targets per group.
    FullPath,
}

impl Config {
    /// What the output calls it.
    pub fn name(self) -> &'static str {
        match self {
            Config::MMc => "10-target M/M/c",
            Config::FullPath => "full path",
        }
    }

    /// The hash of its figures at [`RECORDED_AT_S`], as recorded.
    pub fn recorded(self) -> u64 {
        match self {
            Config::MMc => 0x69e8_0264_83c7_d234,
            Config::FullPath => 0xaa88_410e_c7b6_92ed,
        }
    }
}

/// FNV-1a over `bytes`: dependency-free and stable across platforms and builds.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The hash of one run's figures, event count and requests.
pub fn of_run(sc: &Scenario, out: &RunOutput) -> u64 {
    let figures = summary::figures(sc, &out.recorder);
    let mut bytes = serde_json::to_vec(&figures).expect("figures serialize");
    bytes.extend_from_slice(&out.events.to_le_bytes());
    bytes.extend_from_slice(&out.arrivals.to_le_bytes());
    fnv1a(&bytes)
}

/// Compares a run's hash with the recording when it ran at the recorded duration: `Ok` with a
/// line to print, or an error naming the configuration.
pub fn check(config: Config, duration_s: f64, hash: u64) -> anyhow::Result<String> {
    if duration_s != RECORDED_AT_S {
        return Ok(format!(
            "{}: figures hash {hash:016x} (recorded at {RECORDED_AT_S} s only; not compared)",
            config.name()
        ));
    }
    anyhow::ensure!(
        hash == config.recorded(),
        "{}: the figures moved (hash {hash:016x}, recorded {:016x}): this build simulates \
         something else than the recorded one, so its speed is not comparable; if the change \
         is meant to move results, re-record the hash in src/bench/fingerprint.rs",
        config.name(),
        config.recorded()
    );
    Ok(format!(
        "{}: figures identical to the recorded ones (hash {hash:016x})",
        config.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_reference_values() {
        // The FNV-1a 64-bit test vectors of the algorithm's authors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// What `simroute bench` checks, as a test: both configurations at the recorded duration
    /// simulate exactly what they did when the hashes were recorded.
    #[test]
    fn the_bench_configurations_give_their_recorded_figures() {
        for (config, sc) in [
            (Config::MMc, super::super::scenario(RECORDED_AT_S, None)),
            (
                Config::FullPath,
                super::super::full_path_scenario(RECORDED_AT_S),
            ),
        ] {
            let out = super::super::run_calendar(&sc);
            check(config, RECORDED_AT_S, of_run(&sc, &out)).expect("recorded figures");
        }
    }

    #[test]
    fn a_different_duration_is_reported_not_compared() {
        let line = check(Config::MMc, 60.0, 42).expect("not compared");
        assert!(line.contains("not compared"), "{line}");
        assert!(check(Config::MMc, RECORDED_AT_S, Config::MMc.recorded() ^ 1).is_err());
    }
}
