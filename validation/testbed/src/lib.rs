//! Shared parts of the testbed's two programs: a seeded random stream, the service-time
//! distributions (the same kinds and parameters as a scenario's `service`), option parsing, and
//! the small HTTP/1.1 head reader both sides use.

use std::io::{self, Read};
use std::time::Duration;

/// The random stream of the app's service times.
pub const APP_STREAM: u64 = 1;
/// The random stream of the client's arrival times.
pub const LOAD_STREAM: u64 = 2;

/// xoshiro256** seeded through splitmix64: small, fast, and the same stream on every machine.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// Stream `stream` of `seed`: the app's service times and the client's arrival times must
    /// come from different streams even under one `--seed`, or each service time would be a
    /// copy of an inter-arrival gap (a long service after every long gap hides the queueing).
    pub fn stream(seed: u64, stream: u64) -> Self {
        Rng::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in (0, 1]: never 0, so `-ln(u)` is finite.
    pub fn unit_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Exponential with mean 1.
    pub fn exp1(&mut self) -> f64 {
        -self.unit_open0().ln()
    }
}

/// A service-time distribution, in milliseconds, as a scenario's `service` table gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    Constant { ms: f64 },
    Exponential { mean_ms: f64 },
    Uniform { min_ms: f64, max_ms: f64 },
}

impl Dist {
    /// Parses `constant:MS`, `exponential:MEAN_MS` or `uniform:MIN_MS:MAX_MS`.
    pub fn parse(spec: &str) -> Result<Dist, String> {
        let parts: Vec<&str> = spec.split(':').collect();
        let num = |s: &str| -> Result<f64, String> {
            let v: f64 = s
                .parse()
                .map_err(|_| format!("`{s}` in `{spec}` is not a number"))?;
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(format!(
                    "`{s}` in `{spec}` must be a finite number, 0 or more"
                ))
            }
        };
        match parts.as_slice() {
            ["constant", ms] => Ok(Dist::Constant { ms: num(ms)? }),
            ["exponential", mean] => {
                let mean_ms = num(mean)?;
                if mean_ms == 0.0 {
                    return Err(format!("the mean in `{spec}` must be greater than 0"));
                }
                Ok(Dist::Exponential { mean_ms })
            }
            ["uniform", lo, hi] => {
                let (min_ms, max_ms) = (num(lo)?, num(hi)?);
                if max_ms < min_ms {
                    return Err(format!("`{spec}`: the maximum is below the minimum"));
                }
                Ok(Dist::Uniform { min_ms, max_ms })
            }
            _ => Err(format!(
                "`{spec}` is not a distribution: use constant:MS, exponential:MEAN_MS or \
                 uniform:MIN_MS:MAX_MS"
            )),
        }
    }

    /// One draw, in milliseconds.
    pub fn sample_ms(&self, rng: &mut Rng) -> f64 {
        match *self {
            Dist::Constant { ms } => ms,
            Dist::Exponential { mean_ms } => mean_ms * rng.exp1(),
            Dist::Uniform { min_ms, max_ms } => min_ms + (max_ms - min_ms) * rng.unit_open0(),
        }
    }

    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Constant { ms } => ms,
            Dist::Exponential { mean_ms } => mean_ms,
            Dist::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
        }
    }
}

/// Milliseconds (fractional) to a `Duration`.
pub fn ms(ms: f64) -> Duration {
    Duration::from_nanos((ms * 1e6).round() as u64)
}

/// `--name value` options: every option takes one value, and each may be given once.
#[derive(Debug)]
pub struct Options {
    pairs: Vec<(String, String)>,
    used: Vec<bool>,
}

impl Options {
    /// Parses `args` (without the program name); `--help`/`-h` returns `Err(None)`.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, Option<String>> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            if arg == "--help" || arg == "-h" {
                return Err(None);
            }
            let Some(name) = arg.strip_prefix("--") else {
                return Err(Some(format!("unexpected argument `{arg}`")));
            };
            let Some(value) = it.next() else {
                return Err(Some(format!("--{name} needs a value")));
            };
            if pairs.iter().any(|(n, _)| n == name) {
                return Err(Some(format!("--{name} given twice")));
            }
            pairs.push((name.to_string(), value));
        }
        let used = vec![false; pairs.len()];
        Ok(Options { pairs, used })
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let i = self.pairs.iter().position(|(n, _)| n == name)?;
        self.used[i] = true;
        Some(self.pairs[i].1.clone())
    }

    pub fn string(&mut self, name: &str, default: Option<&str>) -> Result<String, String> {
        match self.take(name) {
            Some(v) => Ok(v),
            None => default
                .map(str::to_string)
                .ok_or_else(|| format!("--{name} is required")),
        }
    }

    pub fn optional(&mut self, name: &str) -> Option<String> {
        self.take(name)
    }

    pub fn number<T: std::str::FromStr>(
        &mut self,
        name: &str,
        default: Option<T>,
    ) -> Result<T, String> {
        match self.take(name) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: `{v}` is not a valid number")),
            None => default.ok_or_else(|| format!("--{name} is required")),
        }
    }

    /// Fails on any option no one asked for (a typo must not be ignored).
    pub fn finish(self) -> Result<(), String> {
        match self.pairs.iter().zip(&self.used).find(|(_, used)| !**used) {
            Some(((name, _), _)) => Err(format!("unknown option --{name}")),
            None => Ok(()),
        }
    }
}

/// An HTTP message head read from a stream: the first line, the headers, and any body bytes
/// read past the head.
#[derive(Debug)]
pub struct Head {
    pub first_line: String,
    pub headers: Vec<(String, String)>,
    pub extra: Vec<u8>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_length(&self) -> usize {
        self.header("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// Reads one message head (up to the blank line). `Ok(None)`: the peer closed the connection
/// before sending a byte (an idle keep-alive connection going away).
pub fn read_head(stream: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Option<Head>> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find_blank_line(buf) {
            let text = String::from_utf8_lossy(&buf[..end]).into_owned();
            let extra = buf[end + 4..].to_vec();
            buf.clear();
            let mut lines = text.split("\r\n");
            let first_line = lines.next().unwrap_or("").to_string();
            let headers = lines
                .filter_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    Some((n.trim().to_string(), v.trim().to_string()))
                })
                .collect();
            return Ok(Some(Head {
                first_line,
                headers,
                extra,
            }));
        }
        if buf.len() > 64 * 1024 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed inside a message head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find_blank_line(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_draws_have_the_mean_asked_for() {
        let d = Dist::parse("exponential:40").unwrap();
        let mut rng = Rng::new(3);
        let n = 200_000;
        let mean = (0..n).map(|_| d.sample_ms(&mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 40.0).abs() < 0.5, "mean {mean}");
    }

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::new(9), Rng::new(9));
        assert_eq!(
            (0..5).map(|_| a.next_u64()).collect::<Vec<_>>(),
            (0..5).map(|_| b.next_u64()).collect::<Vec<_>>()
        );
        assert_ne!(Rng::new(9).next_u64(), Rng::new(10).next_u64());
        assert_ne!(
            Rng::stream(9, APP_STREAM).next_u64(),
            Rng::stream(9, LOAD_STREAM).next_u64()
        );
    }

    #[test]
    fn bad_distributions_are_rejected() {
        for bad in [
            "exponential:0",
            "exponential",
            "normal:3",
            "uniform:5:1",
            "constant:-1",
        ] {
            assert!(Dist::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Dist::parse("uniform:1:3").unwrap().mean_ms(),
            2.0,
            "uniform mean"
        );
    }

    #[test]
    fn options_reject_unknown_and_missing_values() {
        let o = Options::parse(["--port".to_string()]);
        assert!(matches!(o, Err(Some(_))));
        let mut o = Options::parse(["--prot".into(), "1".into()]).unwrap();
        assert_eq!(o.number::<u16>("port", Some(0)).unwrap(), 0);
        assert!(o.finish().is_err());
    }

    #[test]
    fn reads_a_head_and_keeps_the_bytes_after_it() {
        let mut input: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
        let mut buf = Vec::new();
        let head = read_head(&mut input, &mut buf).unwrap().unwrap();
        assert_eq!(head.first_line, "GET / HTTP/1.1");
        assert_eq!(head.header("host"), Some("x"));
        assert_eq!(head.content_length(), 2);
        assert_eq!(head.extra, b"hi");
        let mut empty: &[u8] = b"";
        assert!(read_head(&mut empty, &mut buf).unwrap().is_none());
    }
}
