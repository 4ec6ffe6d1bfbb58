//! Reading log files line by line, plain or gzip-compressed (recognised by the gzip magic
//! bytes, not the name), and the timestamp formats the logs use.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::Context;

/// Calls `f(line_number, line)` for every line of `path` (1-based numbers; the line without its
/// end). A line that is not UTF-8 is passed as `Err` so the caller can count it as malformed.
/// Concatenated gzip members (as `cat a.gz b.gz` makes) are read as one stream.
pub fn for_each_line(
    path: &Path,
    mut f: impl FnMut(usize, Result<&str, &str>),
) -> anyhow::Result<()> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let head = std::io::Cursor::new(magic[..got].to_vec());
    let reader: Box<dyn Read> = if got == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(head.chain(file)))
    } else {
        Box::new(head.chain(file))
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read {} after line {number}", path.display()))?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        match std::str::from_utf8(&buf) {
            Ok(line) => f(number, Ok(line)),
            Err(_) => f(number, Err("not UTF-8 text")),
        }
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn seconds_of(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: f64) -> Option<f64> {
    if !((1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0.0..61.0).contains(&s))
    {
        return None;
    }
    Some((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60) as f64 + s)
}

/// Parses a UTC offset `Z`, `+hh:mm`, `+hhmm` or `-…` into seconds east of UTC.
fn offset(s: &str) -> Option<i64> {
    if s == "Z" || s.is_empty() {
        return Some(0);
    }
    let sign = match s.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest: String = s[1..].chars().filter(|&c| c != ':').collect();
    if rest.len() != 4 {
        return None;
    }
    Some(sign * (digits(&rest[..2])? * 3600 + digits(&rest[2..])? * 60))
}

/// An ISO 8601 time as ALB logs write it, `2018-07-02T22:23:00.186641Z` (an offset instead of
/// `Z` is accepted), as seconds since the Unix epoch.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let (date, time) = s.split_once('T')?;
    let mut dp = date.splitn(3, '-');
    let (y, mo, d) = (
        digits(dp.next()?)?,
        digits(dp.next()?)?,
        digits(dp.next()?)?,
    );
    let zone_at = time.find(['Z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let mut tp = clock.splitn(3, ':');
    let (h, mi) = (digits(tp.next()?)?, digits(tp.next()?)?);
    let sec = tp.next()?;
    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
    if !frac.is_empty() && digits(frac).is_none() {
        return None;
    }
    let s: f64 = format!("{}.{}0", digits(whole)?, frac).parse().ok()?;
    Some(seconds_of(y, mo, d, h, mi, s)? - offset(zone)? as f64)
}

/// A Common Log Format time as API Gateway's `$context.requestTime` writes it,
/// `02/Jul/2018:22:23:00 +0000`, as seconds since the Unix epoch.
pub fn parse_clf(s: &str) -> Option<f64> {
    let (stamp, zone) = s.split_once(' ').unwrap_or((s, "+0000"));
    let mut parts = stamp.splitn(3, '/');
    let d = digits(parts.next()?)?;
    let month = parts.next()?;
    let rest = parts.next()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mo = MONTHS.iter().position(|&m| m == month)? as i64 + 1;
    let mut tp = rest.splitn(4, ':');
    let y = digits(tp.next()?)?;
    let (h, mi, sec) = (
        digits(tp.next()?)?,
        digits(tp.next()?)?,
        digits(tp.next()?)?,
    );
    Some(seconds_of(y, mo, d, h, mi, sec as f64)? - offset(zone.trim())? as f64)
}

/// Seconds since the epoch as an ISO 8601 UTC time to the second, for reports.
pub fn format_utc(epoch_s: i64) -> String {
    let days = epoch_s.div_euclid(86_400);
    let secs = epoch_s.rem_euclid(86_400);
    // Inverse of days_from_civil (Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        // 2018-07-02T22:23:00Z is 1530570180 s after the epoch.
        assert_eq!(parse_iso8601("2018-07-02T22:23:00Z"), Some(1_530_570_180.0));
        let t = parse_iso8601("2018-07-02T22:23:00.186641Z").unwrap();
        assert!((t - 1_530_570_180.186_641).abs() < 1e-6);
        assert_eq!(
            parse_iso8601("2018-07-03T00:23:00+02:00"),
            Some(1_530_570_180.0)
        );
        assert_eq!(
            parse_clf("02/Jul/2018:22:23:00 +0000"),
            Some(1_530_570_180.0)
        );
        assert_eq!(
            parse_clf("03/Jul/2018:00:23:00 +0200"),
            Some(1_530_570_180.0)
        );
        assert_eq!(parse_iso8601("2018-13-02T22:23:00Z"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_clf("02/Foo/2018:22:23:00 +0000"), None);
        assert_eq!(format_utc(1_530_570_180), "2018-07-02T22:23:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    }
}
