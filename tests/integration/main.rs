//! Integration tests: one binary, modules named by behaviour.

mod golden_outputs;
mod report_files;
mod report_html;
mod sweep_charts;
mod util;
