//! The layout rules of issue 12 ("Done when"), checked on the source so they stay true:
//!
//! - no file in `src/` over 900 lines of code, none in `src/sim/` over 700 (a line of code is a
//!   line with something besides comments and blanks; `#[cfg(test)]` items are left out);
//! - no function in `src/` over 150 lines, from its `fn` line to its closing brace (but for
//!   the ones listed in [`KNOWN_LONG_FUNCTIONS`], which the check holds to that list);
//! - `impl World` in one file, `src/sim/world.rs`;
//! - imports only go down the layers of `docs/architecture.md` ("Layers"), and in particular
//!   none from `model/` to `scenario/`, from `stats/` to `scenario/`, from `scenario/` to
//!   `stats/` or `sim/`, or from `sim/` to the serde schema (`scenario::schema`, `RawScenario`);
//! - results are read through their types: no dotted figure path (`"latency_ms.p99"`) as a
//!   string in the code that builds, merges or renders them.
//!
//! The source is read with a small lexer that blanks comments and the insides of string and
//! character literals, so braces, `fn` and `crate::` in them do not count. Each rule has a unit
//! test here on a made-up source that breaks it, so a check that stopped seeing violations
//! would fail too.

use std::path::{Path, PathBuf};

const MAX_FILE_CODE_LINES: usize = 900;
const MAX_SIM_FILE_CODE_LINES: usize = 700;
const MAX_FN_LINES: usize = 150;

/// Functions known to be over [`MAX_FN_LINES`] (file, name), each to be split by whoever owns
/// its file; the check fails as soon as one of them is back under the limit, so the list can
/// only shrink.
const KNOWN_LONG_FUNCTIONS: &[(&str, &str)] = &[];

/// The layers of `docs/architecture.md`, bottom first: a module may import from a lower layer,
/// and from its own only where [`SAME_LAYER`] allows it.
const LAYERS: &[&[&str]] = &[
    &["engine", "math", "vocab", "signals"],
    &["model"],
    &["stats", "scenario"],
    // Work estimates and limits: read from the scenario, enforced by the run as it goes.
    &["budget"],
    &["sim"],
    &["replicate", "results"],
    &["experiments", "report", "fit", "import"],
    &["cli", "bench"],
];

/// Imports allowed between modules of one layer (importer, imported).
const SAME_LAYER: &[(&str, &str)] = &[("replicate", "results"), ("cli", "bench")];

/// The imports issue 12 names, each with the words of its rule (importer, path prefix).
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "model",
        "crate::scenario",
        "no imports from model/ into scenario/",
    ),
    (
        "stats",
        "crate::scenario",
        "no imports from stats/ into scenario/",
    ),
    (
        "scenario",
        "crate::stats",
        "no imports from scenario/ into stats/",
    ),
    (
        "scenario",
        "crate::sim",
        "no imports from scenario/ into sim/",
    ),
    (
        "sim",
        "crate::scenario::schema",
        "no imports from sim/ into the serde schema",
    ),
];

/// What `sim/` may not name at all, however it is imported: the serde schema's types.
const SIM_NEVER_NAMES: &[&str] = &["RawScenario", "scenario::schema"];

/// Modules that build, merge or render results, where a figure must be a typed field.
const RESULT_READERS: &[&str] = &[
    "results",
    "report",
    "experiments",
    "replicate",
    "cli",
    "bench",
];

/// The top-level names of a run's figures in `summary.json` (`results::summary::Figures`, its
/// flattened `Traffic`, and the summary around it). Left out: `target_groups`, `faults`,
/// `gateway` and `slo`, which are also sections of the scenario file, so that `--set` paths
/// (`target_groups.app.targets`) are not taken for figures.
const FIGURE_ROOTS: &[&str] = &[
    "requests",
    "throughput_rps",
    "error_rate",
    "latency_ms",
    "latency_all_ms",
    "stages",
    "routes",
    "little",
    "figures",
    "ci95",
];

// ---------------------------------------------------------------------------------------------
// Reading Rust source
// ---------------------------------------------------------------------------------------------

/// A source file as the checks see it.
struct Source {
    /// Path relative to the repository, for messages.
    name: String,
    /// The module (layer) it belongs to: `sim` for `src/sim.rs` and everything in `src/sim/`.
    module: String,
    /// The text with comments blanked and literals' insides replaced by `_` (line breaks kept).
    code: String,
    /// The string literals, with the line each starts on.
    strings: Vec<(usize, String)>,
}

impl Source {
    fn new(name: &str, text: &str) -> Source {
        let rel = name.strip_prefix("src/").unwrap_or(name);
        let module = rel.split(['/', '.']).next().unwrap_or_default().to_string();
        let (code, strings) = lex(text);
        Source {
            name: name.to_string(),
            module,
            code,
            strings,
        }
    }
}

/// Blanks comments (to spaces) and the insides of string and character literals (to `_`),
/// keeping every line break; returns that text and the string literals' contents.
fn lex(text: &str) -> (String, Vec<(usize, String)>) {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut strings = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let blank = |ch: char, with: char| if ch == '\n' { '\n' } else { with };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    out.push(blank(c[i], ' '));
                    i += 1;
                }
            }
        } else if let Some((quote, hashes)) = raw_string_at(&c, i).filter(|_| !prev_ident) {
            // A raw string: r"..", r#".."#, br#".."#.
            out.extend(&c[i..=quote]);
            i = quote + 1;
            let (first_line, mut s) = (line, String::new());
            loop {
                if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                line += usize::from(c[i] == '\n');
                s.push(c[i]);
                out.push(blank(c[i], '_'));
                i += 1;
            }
            strings.push((first_line, s));
        } else if c[i] == '"' {
            out.push('"');
            i += 1;
            let (first_line, mut s) = (line, String::new());
            while c[i] != '"' {
                if c[i] == '\\' {
                    s.push(c[i]);
                    out.push('_');
                    i += 1;
                }
                line += usize::from(c[i] == '\n');
                s.push(c[i]);
                out.push(blank(c[i], '_'));
                i += 1;
            }
            out.push('"');
            i += 1;
            strings.push((first_line, s));
        } else if c[i] == '\'' && (c.get(i + 1) == Some(&'\\') || c.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\u{1F600}'); a lifetime ('a) has no closing quote.
            out.push('\'');
            i += 1;
            while c[i] != '\'' {
                if c[i] == '\\' {
                    out.push('_');
                    i += 1;
                }
                out.push('_');
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else {
            line += usize::from(c[i] == '\n');
            out.push(c[i]);
            i += 1;
        }
    }
    (out, strings)
}

/// At `i`, the start of a raw string literal (`r"`, `r#"`, `br##"`): where its opening quote is,
/// and how many `#` close it.
fn raw_string_at(c: &[char], i: usize) -> Option<(usize, usize)> {
    let after_r = match (c.get(i), c.get(i + 1)) {
        (Some('r'), _) => i + 1,
        (Some('b'), Some('r')) => i + 2,
        _ => return None,
    };
    let quote = (after_r..c.len()).find(|&j| c[j] != '#')?;
    (c[quote] == '"').then_some((quote, quote - after_r))
}

/// The byte offset just past the item starting at `from` (in lexed code): its `;` or the brace
/// closing its first block, whichever comes first at depth 0.
fn item_end(code: &str, from: usize) -> usize {
    let mut depth = 0usize;
    let mut parens = 0usize;
    for (k, ch) in code[from..].char_indices() {
        match ch {
            '(' | '[' => parens += 1,
            ')' | ']' => parens = parens.saturating_sub(1),
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return from + k + 1;
                }
            }
            ';' if depth == 0 && parens == 0 => return from + k + 1,
            _ => {}
        }
    }
    code.len()
}

/// The lexed code with every `#[cfg(test)]` item blanked (line breaks kept).
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]").map(|k| from + k) {
        let end = item_end(&out, at);
        let blanked: String = out[at..end]
            .chars()
            .map(|ch| if ch == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blanked);
        from = end;
    }
    out
}

/// Lines with code on them.
fn code_lines(code: &str) -> usize {
    code.lines().filter(|l| !l.trim().is_empty()).count()
}

/// Each function with a body: its name, first line and length in lines (`fn` line to closing
/// brace, both included).
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("fn").map(|k| from + k) {
        from = at + 2;
        let before_ok = code[..at].chars().next_back().is_none_or(|ch| !ident(ch));
        let rest = &code[at + 2..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|&ch| ident(ch))
            .collect();
        if !before_ok || !rest.starts_with(char::is_whitespace) || name.is_empty() {
            continue;
        }
        let end = item_end(code, at);
        if !code[at..end].ends_with('}') {
            continue; // a declaration without a body
        }
        let first = code[..at].matches('\n').count() + 1;
        let last = code[..end].matches('\n').count() + 1;
        found.push((name, first, last - first + 1));
    }
    found
}

/// The `crate::` paths a file uses, with their line: `use` lines and paths written inline;
/// `use crate::{a, b::c}` gives `crate::a` and `crate::b::c`.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let path_char = |ch: char| ch.is_alphanumeric() || ch == '_' || ch == ':';
    let mut paths = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::").map(|k| from + k) {
        from = at + 7;
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|ch| ch.is_alphanumeric() || ch == '_')
        {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[at + 7..];
        if rest.starts_with('{') {
            // The paths at the group's top level (`a::` and `b` of `{a::{x, y}, b}`).
            let (mut depth, mut state) = (0, Part::Before);
            for ch in rest.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => state = Part::Before,
                    _ if depth != 1 => {}
                    ch if path_char(ch) && state == Part::Before => {
                        paths.push((line, format!("crate::{ch}")));
                        state = Part::In;
                    }
                    ch if path_char(ch) && state == Part::In => {
                        paths.last_mut().expect("pushed above").1.push(ch);
                    }
                    _ if state == Part::In => state = Part::After,
                    _ => {}
                }
            }
        } else {
            let p: String = rest.chars().take_while(|&ch| path_char(ch)).collect();
            paths.push((line, format!("crate::{}", p.trim_end_matches(':'))));
        }
    }
    paths
}

/// Where a group's scan is in one of its parts.
#[derive(PartialEq)]
enum Part {
    Before,
    In,
    After,
}

/// The layer of `module`, if it is in [`LAYERS`].
fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

// ---------------------------------------------------------------------------------------------
// The rules, each returning what breaks it
// ---------------------------------------------------------------------------------------------

fn oversized_files(files: &[Source]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| {
            let n = code_lines(&without_tests(&f.code));
            let max = if f.module == "sim" {
                MAX_SIM_FILE_CODE_LINES
            } else {
                MAX_FILE_CODE_LINES
            };
            (n > max).then(|| format!("{}: {n} lines of code (at most {max})", f.name))
        })
        .collect()
}

/// Functions over [`MAX_FN_LINES`] as (file, name, line, length).
fn long_functions_found(files: &[Source]) -> Vec<(String, String, usize, usize)> {
    files
        .iter()
        .flat_map(|f| {
            functions(&f.code)
                .into_iter()
                .filter(|(_, _, len)| *len > MAX_FN_LINES)
                .map(move |(name, line, len)| (f.name.clone(), name, line, len))
        })
        .collect()
}

/// Functions over the limit that are not in `known`, and entries of `known` no longer over it.
fn long_functions_except(files: &[Source], known: &[(&str, &str)]) -> Vec<String> {
    let found = long_functions_found(files);
    let mut breaks: Vec<String> = found
        .iter()
        .filter(|(file, name, _, _)| !known.contains(&(file.as_str(), name.as_str())))
        .map(|(file, name, line, len)| {
            format!("{file}:{line}: fn {name} is {len} lines (at most {MAX_FN_LINES})")
        })
        .collect();
    for (file, name) in known {
        if !found.iter().any(|(f, n, _, _)| f == file && n == name) {
            breaks.push(format!(
                "{file}: fn {name} is no longer over {MAX_FN_LINES} lines: take it off \
                 KNOWN_LONG_FUNCTIONS"
            ));
        }
    }
    breaks
}

fn world_impls(files: &[Source]) -> Vec<String> {
    let inherent_world = |line: &str| {
        let Some(rest) = line.trim_start().strip_prefix("impl") else {
            return false;
        };
        let rest = match rest.strip_prefix('<') {
            Some(generics) => generics.split_once('>').map_or("", |(_, r)| r),
            None => rest,
        };
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|&ch| ch.is_alphanumeric() || ch == '_')
            .collect();
        rest.starts_with(char::is_whitespace) && name == "World"
    };
    let holders: Vec<&str> = files
        .iter()
        .filter(|f| without_tests(&f.code).lines().any(inherent_world))
        .map(|f| f.name.as_str())
        .collect();
    if holders == ["src/sim/world.rs"] {
        Vec::new()
    } else {
        vec![format!(
            "`impl World` must be in src/sim/world.rs alone; found in {holders:?}"
        )]
    }
}

fn layer_breaks(files: &[Source]) -> Vec<String> {
    let mut breaks = Vec::new();
    for f in files {
        let code = without_tests(&f.code);
        for (line, path) in crate_paths(&code) {
            for (importer, prefix, rule) in FORBIDDEN {
                if f.module == *importer && path.starts_with(prefix) {
                    breaks.push(format!("{}:{line}: {path}: {rule}", f.name));
                }
            }
            let target = path["crate::".len()..].split("::").next().unwrap_or("");
            match (layer(&f.module), layer(target)) {
                (Some(from), Some(to)) => {
                    let same_ok = SAME_LAYER.contains(&(f.module.as_str(), target));
                    if f.module != target && (to > from || (to == from && !same_ok)) {
                        breaks.push(format!(
                            "{}:{line}: {path}: `{}` imports from `{target}`, which is not \
                             below it",
                            f.name, f.module
                        ));
                    }
                }
                _ => breaks.push(format!(
                    "{}:{line}: {path}: `{}` or `{target}` has no layer in LAYERS (add it where \
                     docs/architecture.md puts it)",
                    f.name, f.module
                )),
            }
        }
        if f.module == "sim" {
            for name in SIM_NEVER_NAMES {
                if let Some(n) = code.lines().position(|l| l.contains(name)) {
                    breaks.push(format!(
                        "{}:{}: {name}: no imports from sim/ into the serde schema",
                        f.name,
                        n + 1
                    ));
                }
            }
        }
    }
    breaks
}

/// Extensions of the output files, whose names look like dotted paths (`figures.csv`).
const FILE_EXTENSIONS: &[&str] = &["csv", "json", "png", "svg", "md", "html", "toml"];

fn dotted_figure_lookups(files: &[Source]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files
        .iter()
        .filter(|f| RESULT_READERS.contains(&f.module.as_str()))
    {
        // Lines of `#[cfg(test)]` items (blanked by `without_tests`) hold test data.
        let without = without_tests(&f.code);
        let in_tests: Vec<bool> = f
            .code
            .lines()
            .zip(without.lines())
            .map(|(a, b)| a != b)
            .collect();
        for (line, s) in &f.strings {
            let Some((root, rest)) = s.split_once('.') else {
                continue;
            };
            let looks_like_path = !rest.is_empty()
                && rest
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.');
            // `figures.csv` names a file, not a figure.
            let file_name = FILE_EXTENSIONS.contains(&rest);
            if FIGURE_ROOTS.contains(&root) && looks_like_path && !file_name && !in_tests[line - 1]
            {
                found.push(format!(
                    "{}:{line}: \"{s}\" reads a figure by its dotted path; use the typed field",
                    f.name
                ));
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// The checks on src/
// ---------------------------------------------------------------------------------------------

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file of `src/` except `lib.rs` and `main.rs` (which only declare and start).
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    rust_files(&root.join("src"), &mut paths);
    paths.sort();
    let files: Vec<Source> = paths
        .iter()
        .map(|p| {
            let name = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            Source::new(&name, &std::fs::read_to_string(p).expect("readable source"))
        })
        .filter(|f| f.name != "src/lib.rs" && f.name != "src/main.rs")
        .collect();
    assert!(files.len() > 100, "only {} source files found", files.len());
    files
}

fn assert_none(what: &str, breaks: Vec<String>) {
    assert!(breaks.is_empty(), "{what}:\n  {}", breaks.join("\n  "));
}

#[test]
fn no_source_file_is_over_its_size_limit() {
    let files = sources();
    let mut sizes: Vec<(usize, &str)> = files
        .iter()
        .map(|f| (code_lines(&without_tests(&f.code)), f.name.as_str()))
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    eprintln!("largest files (lines of code): {:?}", &sizes[..5]);
    let sim = sizes.iter().find(|(_, name)| name.starts_with("src/sim/"));
    eprintln!("largest in src/sim: {sim:?}");
    assert_none("files over their size", oversized_files(&files));
}

#[test]
fn no_function_is_over_150_lines() {
    let files = sources();
    let mut lengths: Vec<(usize, String)> = files
        .iter()
        .flat_map(|f| {
            functions(&f.code)
                .into_iter()
                .map(move |(name, line, len)| (len, format!("{}:{line} {name}", f.name)))
        })
        .collect();
    assert!(
        lengths.len() > 1000,
        "only {} functions found",
        lengths.len()
    );
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    eprintln!("{} functions; longest: {:?}", lengths.len(), &lengths[..4]);
    assert_none(
        "functions over 150 lines",
        long_functions_except(&files, KNOWN_LONG_FUNCTIONS),
    );
}

#[test]
fn impl_world_is_in_one_file() {
    assert_none("impl World", world_impls(&sources()));
}

#[test]
fn imports_go_down_the_layers() {
    assert_none("imports against the layers", layer_breaks(&sources()));
}

#[test]
fn results_are_read_through_their_types() {
    assert_none("dotted figure paths", dotted_figure_lookups(&sources()));
}

// ---------------------------------------------------------------------------------------------
// Each check catches what it is for
// ---------------------------------------------------------------------------------------------

fn one(name: &str, text: &str) -> Vec<Source> {
    vec![Source::new(name, text)]
}

#[test]
fn the_lexer_ignores_comments_strings_and_characters() {
    let text = "// fn a() {\n/* { /* } */ */ let s = \"}{ fn b() {\";\nlet r = r#\"\"}\"#; \
                let c = '{'; let q = '\\''; fn f<'a>(x: &'a str) {}\n";
    let (code, strings) = lex(text);
    assert_eq!(code.matches('{').count(), 1, "{code}");
    assert_eq!(functions(&code).len(), 1, "{code}");
    assert_eq!(strings.len(), 2);
    assert_eq!(strings[1], (3, "\"}".to_string()));
    assert_eq!(code.lines().count(), 3);
}

#[test]
fn the_size_check_counts_code_lines_without_unit_tests() {
    let body = "let x = 1;\n\n// a comment\n".repeat(701);
    let sim = format!("fn f() {{\n{body}}}\n");
    assert_eq!(code_lines(&lex(&sim).0), 703);
    assert_eq!(oversized_files(&one("src/sim/world.rs", &sim)).len(), 1);
    assert!(oversized_files(&one("src/report/x.rs", &sim)).is_empty());
    let tested = format!("fn g() {{}}\n#[cfg(test)]\nmod tests {{\n{body}}}\n");
    assert!(oversized_files(&one("src/sim/world.rs", &tested)).is_empty());
}

#[test]
fn the_function_check_finds_a_long_function() {
    let long = format!(
        "impl A {{\n    fn long(&self) {{\n{}    }}\n}}\n",
        "x();\n".repeat(149)
    );
    let found = long_functions_except(&one("src/a.rs", &long), &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("fn long is 151 lines"), "{found:?}");
    let short = format!(
        "fn short() {{\n{}}}\ntrait T {{ fn decl(&self); }}\n",
        "x();\n".repeat(148)
    );
    assert!(long_functions_except(&one("src/a.rs", &short), &[]).is_empty());
    // A known long function passes; one that is known but short is reported, so the list of
    // exceptions cannot outlive them.
    assert!(long_functions_except(&one("src/a.rs", &long), &[("src/a.rs", "long")]).is_empty());
    let stale = long_functions_except(&one("src/a.rs", &short), &[("src/a.rs", "short")]);
    assert!(stale[0].contains("no longer over"), "{stale:?}");
}

#[test]
fn the_world_check_finds_a_second_impl() {
    let world = one("src/sim/world.rs", "impl World {\n}\n");
    assert!(world_impls(&world).is_empty());
    let mut split = world;
    split.extend(one("src/sim/hops/app.rs", "impl World {\n}\n"));
    assert_eq!(world_impls(&split).len(), 1);
}

#[test]
fn the_layer_check_finds_each_forbidden_import() {
    for (name, text) in [
        ("src/model/x.rs", "use crate::scenario::Scenario;"),
        ("src/stats/x.rs", "fn f(s: &crate::scenario::Scenario) {}"),
        (
            "src/scenario/x.rs",
            "use crate::{vocab::Failure, stats::recorder::Recorder};",
        ),
        ("src/scenario.rs", "use crate::sim::run;"),
        ("src/sim/x.rs", "use crate::scenario::schema::RawTraffic;"),
        ("src/sim/x.rs", "use crate::scenario::RawScenario;"),
        ("src/engine/x.rs", "use crate::model::retry;"),
        ("src/results.rs", "use crate::report::charts;"),
        ("src/stats/x.rs", "use crate::results::summary;"),
    ] {
        assert!(!layer_breaks(&one(name, text)).is_empty(), "{name}: {text}");
    }
    for (name, text) in [
        (
            "src/scenario/x.rs",
            "use crate::model::retry::Policy; // crate::stats",
        ),
        (
            "src/sim/x.rs",
            "use crate::scenario::Scenario; let s = \"crate::stats\";",
        ),
        ("src/replicate.rs", "use crate::results::summary::Summary;"),
        ("src/report/x.rs", "use crate::signals;"),
    ] {
        assert_eq!(
            layer_breaks(&one(name, text)),
            Vec::<String>::new(),
            "{name}"
        );
    }
}

#[test]
fn the_results_check_finds_a_dotted_figure_path() {
    let reads = "fn p99(t: &Value) -> f64 { lookup(t, \"latency_ms.p99\") }\n";
    assert_eq!(
        dotted_figure_lookups(&one("src/report/x.rs", reads)).len(),
        1
    );
    let fine = "fn f() { set(\"simulation.seed\"); open(\"summary.json\"); open(\"figures.csv\"); }\n\
                #[cfg(test)]\nmod tests {\n    const P: &str = \"requests.offered\";\n}\n";
    assert!(dotted_figure_lookups(&one("src/report/x.rs", fine)).is_empty());
    assert!(dotted_figure_lookups(&one("src/scenario/x.rs", reads)).is_empty());
}
