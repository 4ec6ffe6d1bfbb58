//! Application Load Balancer listener rules: which rule a request matches.
//!
//! The documented semantics (ELB user guide, "Condition types for listener rules", and the
//! `*ConditionConfig` API references; reference §4, source A7):
//! - rules are evaluated in priority order, **lowest value first**; the default action applies
//!   when no rule matches;
//! - within one condition, the condition is satisfied if **any** of its values matches (OR);
//!   a rule matches when **all** of its conditions are satisfied (AND);
//! - `host-header`: values may use `*` (0 or more characters) and `?` (exactly one), the
//!   comparison is **case-insensitive**;
//! - `path-pattern`: `*` and `?` wildcards, **case-sensitive**, applied to the path only (not
//!   the query string);
//! - `http-request-method`: exact, **case-sensitive**, no wildcards;
//! - `http-header`: the header name is case-insensitive (no wildcards); the values use `*`/`?`
//!   and compare case-insensitively;
//! - `query-string`: key/value pairs, `*`/`?` wildcards, case-insensitive.
//!
//! A pure module: the simulator resolves each traffic source's (fixed) request attributes
//! against its listener once, at load time, so nothing here runs per request.

/// The attributes of a request that listener rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The `Host` header (may be empty: no host).
    pub host: &'a str,
    /// The URL path, without the query string.
    pub path: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// Headers, name → value.
    pub headers: &'a [(String, String)],
    /// Query-string parameters, key → value.
    pub query: &'a [(String, String)],
}

/// The conditions of one rule; empty lists and `None` are conditions the rule does not have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// `host-header` patterns.
    pub host: Vec<String>,
    /// `path-pattern` patterns.
    pub path: Vec<String>,
    /// `http-request-method` values.
    pub method: Vec<String>,
    /// `http-header`: a header name and value patterns.
    pub header: Option<(String, Vec<String>)>,
    /// `query-string`: one key/value pair (both may hold wildcards).
    pub query: Option<(String, String)>,
}

impl Conditions {
    /// True when the rule has no condition at all.
    pub fn is_empty(&self) -> bool {
        self.host.is_empty()
            && self.path.is_empty()
            && self.method.is_empty()
            && self.header.is_none()
            && self.query.is_none()
    }

    /// Match evaluations (values compared) of the rule: AWS allows at most 3 per condition and
    /// 5 per rule.
    pub fn evaluations(&self) -> usize {
        self.host.len()
            + self.path.len()
            + self.method.len()
            + self.header.as_ref().map_or(0, |(_, v)| v.len())
            + usize::from(self.query.is_some())
    }

    /// Wildcard characters used by the rule's values (AWS allows at most 5 per rule).
    pub fn wildcards(&self) -> usize {
        let count = |s: &String| s.chars().filter(|&c| c == '*' || c == '?').count();
        self.host.iter().map(count).sum::<usize>()
            + self.path.iter().map(count).sum::<usize>()
            + self
                .header
                .as_ref()
                .map_or(0, |(_, v)| v.iter().map(count).sum())
            + self.query.as_ref().map_or(0, |(k, v)| count(k) + count(v))
    }

    /// True when `req` satisfies every condition (AND), each by any of its values (OR).
    pub fn matches(&self, req: &Request) -> bool {
        let any = |values: &[String], text: &str, ci: bool| {
            values.is_empty() || values.iter().any(|p| wildcard_match(p, text, ci))
        };
        any(&self.host, req.host, true)
            && any(&self.path, req.path, false)
            && (self.method.is_empty() || self.method.iter().any(|m| m == req.method))
            && self.header.as_ref().is_none_or(|(name, values)| {
                req.headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .any(|(_, v)| values.iter().any(|p| wildcard_match(p, v, true)))
            })
            && self.query.as_ref().is_none_or(|(key, value)| {
                req.query
                    .iter()
                    .any(|(k, v)| wildcard_match(key, k, true) && wildcard_match(value, v, true))
            })
    }
}

/// One listener rule: a priority, its conditions and an action of any type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule<A> {
    /// 1–50000, unique per listener; lowest first.
    pub priority: u32,
    /// What the request must satisfy.
    pub conditions: Conditions,
    /// What happens to a matching request.
    pub action: A,
}

/// The action for `req`: the matching rule of lowest priority, else `default`.
pub fn select<'r, A>(rules: &'r [Rule<A>], default: &'r A, req: &Request) -> &'r A {
    rules
        .iter()
        .filter(|r| r.conditions.matches(req))
        .min_by_key(|r| r.priority)
        .map_or(default, |r| &r.action)
}

/// `pattern` against `text`: `*` matches any run of characters (also none), `?` exactly one;
/// letters compare ignoring ASCII case when `case_insensitive`.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let same = |a: char, b: char| {
        if case_insensitive {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Greedy with backtracking to the last `*`: linear in practice, O(|p|·|t|) at worst.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && same(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Host, method, path, headers, query, and the action expected.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a [(String, String)],
        &'a [(String, String)],
        &'a str,
    );

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn wildcards() {
        for (pattern, text, ci, expected) in [
            ("/pets*", "/pets", false, true),
            ("/pets*", "/pets/1", false, true),
            ("/pets*", "/food", false, false),
            ("/pets/?", "/pets/1", false, true),
            ("/pets/?", "/pets/12", false, false),
            ("*.example.com", "api.example.com", true, true),
            ("*.example.com", "example.com", true, false),
            ("*", "", false, true),
            ("", "", false, true),
            ("", "x", false, false),
            ("a*b*c", "aXXbYYc", false, true),
            ("a*b*c", "aXXbYY", false, false),
            ("/Pets", "/pets", false, false),
            ("/Pets", "/pets", true, true),
            ("API.EXAMPLE.COM", "api.example.com", true, true),
        ] {
            assert_eq!(
                wildcard_match(pattern, text, ci),
                expected,
                "{pattern:?} vs {text:?} (case-insensitive {ci})"
            );
        }
    }

    /// The table test: requests against a rule set pick the documented rule.
    #[test]
    fn requests_pick_the_documented_rule() {
        let rule = |priority, conditions, action| Rule {
            priority,
            conditions,
            action,
        };
        // Written out of priority order on purpose: evaluation is by priority, not position.
        let rules = vec![
            rule(
                20,
                Conditions {
                    path: s(&["/pets*"]),
                    ..Conditions::default()
                },
                "pets",
            ),
            rule(
                10,
                Conditions {
                    path: s(&["/pets/admin*"]),
                    method: s(&["POST", "DELETE"]),
                    ..Conditions::default()
                },
                "admin",
            ),
            rule(
                30,
                Conditions {
                    host: s(&["food.example.com", "*.food.example.com"]),
                    ..Conditions::default()
                },
                "food-host",
            ),
            rule(
                40,
                Conditions {
                    header: Some(("X-Canary".into(), s(&["yes", "tr?e"]))),
                    query: Some(("version".into(), "2*".into())),
                    ..Conditions::default()
                },
                "canary",
            ),
            rule(
                50,
                Conditions {
                    path: s(&["/food*"]),
                    ..Conditions::default()
                },
                "food",
            ),
        ];
        let h = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let none = h(&[]);
        let canary_headers = h(&[("x-canary", "TRUE")]);
        let v2 = h(&[("Version", "2.1")]);
        let v1 = h(&[("version", "1")]);
        let cases: [Case; 14] = [
            // Path pattern, lowest priority first: /pets/admin with POST hits 10, not 20.
            ("", "POST", "/pets/admin/x", &none, &none, "admin"),
            // Method is case-sensitive and needs one of its values (OR): GET falls to 20.
            ("", "GET", "/pets/admin/x", &none, &none, "pets"),
            ("", "post", "/pets/admin/x", &none, &none, "pets"),
            ("", "DELETE", "/pets/admin", &none, &none, "admin"),
            // Path is case-sensitive.
            ("", "GET", "/Pets", &none, &none, "default"),
            ("", "GET", "/pets", &none, &none, "pets"),
            // Host is case-insensitive, any value (OR), wildcards.
            ("FOOD.example.com", "GET", "/x", &none, &none, "food-host"),
            (
                "eu.food.example.com",
                "GET",
                "/x",
                &none,
                &none,
                "food-host",
            ),
            ("example.com", "GET", "/x", &none, &none, "default"),
            // A lower priority value wins even when a later rule also matches: host 30 < 50.
            (
                "food.example.com",
                "GET",
                "/food",
                &none,
                &none,
                "food-host",
            ),
            ("", "GET", "/food/1", &none, &none, "food"),
            // Header AND query: both needed; header name and value case-insensitive.
            ("", "GET", "/x", &canary_headers, &v2, "canary"),
            ("", "GET", "/x", &canary_headers, &v1, "default"),
            ("", "GET", "/x", &none, &v2, "default"),
        ];
        for (host, method, path, headers, query, expected) in cases {
            let req = Request {
                host,
                path,
                method,
                headers,
                query,
            };
            assert_eq!(
                *select(&rules, &"default", &req),
                expected,
                "{method} {host}{path} headers {headers:?} query {query:?}"
            );
        }
    }

    #[test]
    fn limits_are_counted() {
        let c = Conditions {
            host: s(&["*.a.com"]),
            path: s(&["/x*", "/y?"]),
            method: s(&["GET"]),
            header: Some(("h".into(), s(&["v*"]))),
            query: Some(("k*".into(), "v".into())),
        };
        assert_eq!(c.evaluations(), 6);
        assert_eq!(c.wildcards(), 5);
        assert!(!c.is_empty());
        assert!(Conditions::default().is_empty());
    }
}
