//! `simroute import` through the real binary: each fixture under `tests/fixtures/import/`
//! imports to the topology and settings written in it, the result validates and runs, every
//! assumed value is marked in the file and listed on stderr and in the header, and bad input
//! exits 2 naming the file, the line and the resource.

use std::path::{Path, PathBuf};
mod common;
use common::binary::run as simroute;

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(rel)
        .display()
        .to_string()
}

/// A fresh scratch folder for import test `name`.
fn scratch(name: &str) -> PathBuf {
    common::binary::scratch(&format!("import-{name}"))
}

/// An import that succeeded: the scenario text, parsed, and stderr.
struct Imported {
    text: String,
    doc: toml::Value,
    stderr: String,
}

fn import(kind: &str, path: &str, extra: &[&str]) -> Imported {
    let mut args = vec!["import", kind, path];
    args.extend_from_slice(extra);
    let out = simroute(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "import failed: {stderr}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let doc: toml::Value = toml::from_str(&text).expect("the output is TOML");
    Imported { text, doc, stderr }
}

/// The value at a dotted path (`target_groups.bags.targets`, `gateway.routes.0.route`).
fn at<'a>(doc: &'a toml::Value, path: &str) -> &'a toml::Value {
    let mut v = doc;
    for part in path.split('.') {
        v = match part.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(part),
        }
        .unwrap_or_else(|| panic!("no `{path}` (stopped at `{part}`)"));
    }
    v
}

fn int(doc: &toml::Value, path: &str) -> i64 {
    at(doc, path)
        .as_integer()
        .unwrap_or_else(|| panic!("`{path}` is not an integer"))
}

fn string<'a>(doc: &'a toml::Value, path: &str) -> &'a str {
    at(doc, path)
        .as_str()
        .unwrap_or_else(|| panic!("`{path}` is not a string"))
}

fn routes(doc: &toml::Value) -> Vec<(String, toml::Value)> {
    at(doc, "gateway.routes")
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| (r["route"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// Checks the assumption contract: every `assumed:` line on stderr is in the header, and the
/// value's line in the body is marked `# ASSUMED:`.
fn check_assumptions(imp: &Imported, expected_keys: &[&str]) {
    let assumed: Vec<&str> = imp
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("assumed: "))
        .collect();
    assert!(
        !assumed.is_empty(),
        "no assumed values listed: {}",
        imp.stderr
    );
    let header: String = imp
        .text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for a in &assumed {
        assert!(header.contains(a), "header does not list `{a}`");
        let (path, rest) = a.split_once(" = ").expect("key = value");
        let key = path.rsplit('.').next().unwrap();
        let value = rest.split(": ").next().unwrap();
        let line = format!("{key} = {value}  # ASSUMED: ");
        assert!(
            imp.text.lines().any(|l| l.starts_with(&line)),
            "`{path}` is not marked in the body (looked for {line:?})"
        );
    }
    for k in expected_keys {
        assert!(
            assumed.iter().any(|a| a.starts_with(&format!("{k} = "))),
            "`{k}` should be listed as assumed"
        );
    }
    // Every ASSUMED mark in the body is listed.
    let marks = imp
        .text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("# ASSUMED: "))
        .count();
    assert_eq!(
        marks,
        assumed.len(),
        "marks in the body vs listed assumptions"
    );
}

/// Writes the scenario, validates it and runs it briefly.
fn validates_and_runs(imp: &Imported, name: &str) {
    let dir = scratch(name);
    let file = dir.join("scenario.toml");
    std::fs::write(&file, &imp.text).unwrap();
    let f = file.display().to_string();
    let v = simroute(&["validate", &f]);
    assert!(
        v.status.success(),
        "validate: {}",
        String::from_utf8_lossy(&v.stderr)
    );
    let out = dir.join("out").display().to_string();
    let r = simroute(&[
        "run",
        &f,
        "--set",
        "simulation.duration_s=20",
        "--set",
        "simulation.warmup_s=2",
        "--out",
        &out,
        "--quiet",
    ]);
    assert!(
        r.status.success(),
        "run: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/summary.json")).unwrap()).unwrap();
    let ok = summary["requests"]["ok"].as_f64().unwrap();
    assert!(ok > 0.0, "no request succeeded: {summary}");
}

#[test]
fn storage_service_cloudformation_gives_its_topology() {
    let imp = import("cloudformation", &fixture("storage-service.yaml"), &[]);
    let d = &imp.doc;
    assert_eq!(string(d, "gateway.kind"), "rest");
    assert_eq!(string(d, "gateway.authorizer.kind"), "cognito");
    assert_eq!(int(d, "gateway.authorizer.cache_ttl_s"), 300);
    assert_eq!(int(d, "gateway.integration_timeout_s"), 29);
    assert_eq!(int(d, "gateway.stage_throttle.rate_rps"), 5000);
    assert_eq!(int(d, "gateway.stage_throttle.burst"), 2500);
    let rs = routes(d);
    let keys: Vec<&str> = rs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "ANY /bags/{proxy+}",
            "ANY /ingests",
            "ANY /ingests/{proxy+}"
        ]
    );
    for (k, r) in &rs {
        assert_eq!(r["auth"].as_bool(), Some(true), "{k}");
        assert_eq!(r["integration"]["load_balancer"].as_str(), Some("storage"));
    }
    // The bags port came through the stage variable `bags_port`.
    assert_eq!(rs[0].1["integration"]["port"].as_integer(), Some(65534));
    assert_eq!(rs[1].1["integration"]["port"].as_integer(), Some(65535));
    assert_eq!(string(d, "load_balancers.storage.kind"), "nlb");
    assert_eq!(int(d, "load_balancers.storage.listeners.0.port"), 65534);
    assert_eq!(
        string(d, "load_balancers.storage.listeners.0.target_group"),
        "bags"
    );
    assert_eq!(int(d, "load_balancers.storage.listeners.1.port"), 65535);
    assert_eq!(
        string(d, "load_balancers.storage.listeners.1.target_group"),
        "ingests"
    );
    assert_eq!(int(d, "target_groups.bags.targets"), 3);
    assert_eq!(int(d, "target_groups.ingests.targets"), 2);
    assert_eq!(int(d, "target_groups.bags.deregistration_delay_s"), 30);
    assert_eq!(
        at(d, "target_groups.ingests.connection_termination").as_bool(),
        Some(true)
    );
    assert_eq!(string(d, "target_groups.bags.health_check.protocol"), "tcp");
    assert_eq!(int(d, "target_groups.bags.health_check.interval_s"), 10);
    assert_eq!(
        int(d, "target_groups.bags.health_check.healthy_threshold"),
        3
    );
    assert!(
        at(d, "target_groups.ingests.health_check")
            .as_table()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        int(d, "target_groups.bags.service.health_check_grace_period_s"),
        30
    );
    assert_eq!(
        int(d, "target_groups.bags.service.minimum_healthy_percent"),
        50
    );
    assert_eq!(int(d, "target_groups.bags.service.stop_timeout_s"), 60);
    assert_eq!(
        int(
            d,
            "target_groups.bags.service.container_health_check.interval_s"
        ),
        15
    );
    assert_eq!(
        int(
            d,
            "target_groups.bags.service.container_health_check.start_period_s"
        ),
        30
    );
    assert!(at(d, "target_groups.bags.sidecar").get("latency").is_some());
    assert!(
        at(d, "target_groups.ingests.sidecar")
            .get("latency")
            .is_some()
    );
    // Provenance comments name the resources.
    assert!(imp.text.contains(
        "deregistration_delay_s = 30  # from AWS::ElasticLoadBalancingV2::TargetGroup BagsTargetGroup"
    ));
    assert!(
        imp.text
            .contains("targets = 3  # from AWS::ECS::Service BagsService")
    );
    assert!(
        imp.text
            .contains("1024 CPU units, 2048 MiB (AWS::ECS::TaskDefinition BagsTask)")
    );
    // Unsupported resources are listed, not fatal.
    assert!(
        imp.stderr
            .contains("not imported: AWS::ApiGateway::UsagePlan ClientsUsagePlan")
    );
    assert!(
        imp.text
            .contains("#   - AWS::ECS::Cluster Cluster: resource type not modelled")
    );
    check_assumptions(
        &imp,
        &[
            "traffic.0.rate_rps",
            "gateway.latency",
            "gateway.authorizer.latency",
            "target_groups.bags.app.service",
            "target_groups.bags.app.workers",
            "target_groups.bags.sidecar.latency",
            "load_balancers.storage.latency",
        ],
    );
    validates_and_runs(&imp, "storage");
}

#[test]
fn parameters_override_defaults() {
    let imp = import(
        "cloudformation",
        &fixture("storage-service.yaml"),
        &[
            "--parameter",
            "BagsDesiredCount=5",
            "--parameter",
            "Subnets=subnet-a,subnet-b,subnet-c",
        ],
    );
    assert_eq!(int(&imp.doc, "target_groups.bags.targets"), 5);
    assert_eq!(int(&imp.doc, "target_groups.bags.zones"), 3);
    let out = simroute(&[
        "import",
        "cloudformation",
        &fixture("storage-service.yaml"),
        "--parameter",
        "Nope=1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no parameter `Nope`"));
}

#[test]
fn petstore_cloud_map_json_gives_its_topology() {
    let imp = import("cloudformation", &fixture("petstore-cloud-map.json"), &[]);
    let d = &imp.doc;
    assert_eq!(string(d, "gateway.kind"), "http");
    assert_eq!(string(d, "gateway.authorizer.kind"), "jwt");
    assert!(at(d, "gateway.authorizer").get("cache_ttl_s").is_none());
    let rs = routes(d);
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0].0, "GET /pets/{proxy+}");
    assert!(rs[0].1.get("auth").is_none(), "GETs are open");
    assert_eq!(rs[1].1["auth"].as_bool(), Some(true));
    for (_, r) in &rs {
        assert_eq!(r["integration"]["target_group"].as_str(), Some("pets"));
        assert_eq!(r["integration"]["discovery"].as_str(), Some("cloud_map"));
    }
    assert!(d.get("load_balancers").is_none());
    assert_eq!(int(d, "target_groups.pets.targets"), 3);
    assert_eq!(int(d, "target_groups.pets.deregistration_delay_s"), 0);
    assert_eq!(int(d, "target_groups.pets.cloud_map.dns_ttl_s"), 60);
    assert_eq!(string(d, "target_groups.pets.cloud_map.health"), "custom");
    assert_eq!(int(d, "target_groups.pets.autoscaling.min_tasks"), 3);
    assert_eq!(int(d, "target_groups.pets.autoscaling.max_tasks"), 8);
    assert_eq!(
        int(d, "target_groups.pets.autoscaling.target_cpu_percent"),
        50
    );
    assert_eq!(
        int(d, "target_groups.pets.autoscaling.scale_out_cooldown_s"),
        120
    );
    assert_eq!(
        int(
            d,
            "target_groups.pets.service.container_health_check.start_period_s"
        ),
        60
    );
    assert!(
        at(d, "target_groups.pets").get("sidecar").is_none(),
        "no nginx container"
    );
    assert!(
        at(d, "target_groups.pets").get("health_check").is_none(),
        "no ELB"
    );
    assert!(
        imp.stderr
            .contains("AWS::Cognito::UserPoolClient UserPoolClient")
    );
    check_assumptions(
        &imp,
        &["traffic.1.clients", "target_groups.pets.app.service"],
    );
    validates_and_runs(&imp, "petstore-cloud-map");
}

#[test]
fn openapi_alb_private_integration() {
    let imp = import(
        "openapi",
        &fixture("alb-private-integration.openapi.yaml"),
        &[],
    );
    let d = &imp.doc;
    assert_eq!(string(d, "gateway.kind"), "http");
    assert_eq!(string(d, "gateway.authorizer.kind"), "jwt");
    assert_eq!(int(d, "gateway.integration_timeout_s"), 10);
    let rs = routes(d);
    let keys: Vec<&str> = rs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "GET /pets/{proxy+}",
            "PUT /pets/{proxy+}",
            "GET /food/{proxy+}",
            "$default"
        ]
    );
    assert_eq!(rs[1].1["auth"].as_bool(), Some(true));
    assert!(rs[0].1.get("auth").is_none());
    for (_, r) in &rs {
        assert_eq!(r["integration"]["load_balancer"].as_str(), Some("internal"));
        assert_eq!(
            r["integration"]["tls_server_name"].as_str(),
            Some("api.internal.example.com")
        );
    }
    assert_eq!(string(d, "load_balancers.internal.kind"), "alb");
    assert_eq!(
        string(d, "load_balancers.internal.listeners.0.protocol"),
        "https"
    );
    // The ARN does not say the port or what runs behind it: both assumed.
    check_assumptions(
        &imp,
        &[
            "load_balancers.internal.listeners.0.port",
            "target_groups.internal.targets",
        ],
    );
    validates_and_runs(&imp, "openapi-alb");
}

#[test]
fn out_writes_the_file_and_nothing_on_stdout() {
    let dir = scratch("out-flag");
    let file = dir.join("s.toml");
    let out = simroute(&[
        "import",
        "cloudformation",
        &fixture("storage-service.yaml"),
        "--out",
        &file.display().to_string(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# Imported by `simroute import cloudformation"));
}

/// Runs an import expected to fail and returns stderr.
fn fails(kind: &str, path: &Path) -> String {
    let out = simroute(&["import", kind, &path.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "expected exit 2: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    stderr
}

#[test]
fn bad_input_exits_2_naming_file_line_and_resource() {
    let dir = scratch("bad-input");
    let base = std::fs::read_to_string(fixture("storage-service.yaml")).unwrap();

    // A YAML syntax error: the file and its line.
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "Resources:\n  A:\n    Type: [unclosed\n  B: 1\n").unwrap();
    let e = fails("cloudformation", &broken);
    assert!(e.contains(&format!("{}:", broken.display())), "{e}");
    assert!(
        e.contains("broken.yaml:3") || e.contains("broken.yaml:4"),
        "{e}"
    );

    // A Ref to nothing: the resource and its line.
    let bad_ref = dir.join("bad-ref.yaml");
    let text = base.replace(
        "TaskDefinition: !Ref IngestsTask",
        "TaskDefinition: !Ref MissingTask",
    );
    assert_ne!(text, base);
    std::fs::write(&bad_ref, &text).unwrap();
    let line = text.lines().position(|l| l == "  IngestsService:").unwrap() + 1;
    let e = fails("cloudformation", &bad_ref);
    assert!(
        e.contains(&format!(
            "bad-ref.yaml:{line}: AWS::ECS::Service IngestsService:"
        )),
        "{e}"
    );
    assert!(e.contains("MissingTask"), "{e}");

    // A property of the wrong type.
    let bad_port = dir.join("bad-port.yaml");
    let text = base.replacen("Port: 65535\n", "Port: sixty-five\n", 1);
    assert_ne!(text, base);
    std::fs::write(&bad_port, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l == "  IngestsListener:")
        .unwrap()
        + 1;
    let e = fails("cloudformation", &bad_port);
    assert!(
        e.contains(&format!(
            "bad-port.yaml:{line}: AWS::ElasticLoadBalancingV2::Listener IngestsListener: `Port` must be a number"
        )),
        "{e}"
    );

    // JSON with a syntax error.
    let json = dir.join("broken.json");
    std::fs::write(&json, "{\n  \"Resources\": {\n    \"A\": ,\n  }\n}\n").unwrap();
    let e = fails("cloudformation", &json);
    assert!(e.contains("broken.json:3"), "{e}");

    // Not a template, not OpenAPI, missing.
    let e = fails("cloudformation", &dir.join("missing.yaml"));
    assert!(e.contains("missing.yaml"), "{e}");
    let plain = dir.join("plain.yaml");
    std::fs::write(&plain, "hello: world\n").unwrap();
    assert!(fails("cloudformation", &plain).contains("no `Resources`"));
    assert!(fails("openapi", &plain).contains("not an OpenAPI definition"));
}

#[test]
fn terraform_directory_with_modules_and_tfvars() {
    let imp = import("terraform", &fixture("terraform-alb"), &[]);
    let d = &imp.doc;
    assert_eq!(string(d, "gateway.kind"), "http");
    assert_eq!(string(d, "gateway.authorizer.kind"), "jwt");
    assert_eq!(int(d, "gateway.stage_throttle.rate_rps"), 100);
    // The variable's default (30000 ms).
    assert_eq!(int(d, "gateway.integration_timeout_s"), 30);
    let rs = routes(d);
    assert_eq!(rs.len(), 4);
    let put = rs.iter().find(|(k, _)| k == "PUT /pets/{proxy+}").unwrap();
    assert_eq!(put.1["auth"].as_bool(), Some(true));
    assert!(rs.iter().any(|(k, _)| k == "$default"));
    for (_, r) in &rs {
        assert_eq!(r["integration"]["port"].as_integer(), Some(443));
        // local.host, from var.domain in petstore.auto.tfvars.
        assert_eq!(
            r["integration"]["tls_server_name"].as_str(),
            Some("api.internal.example.com")
        );
    }
    let l = "load_balancers.internal.listeners.0";
    assert_eq!(string(d, "load_balancers.internal.kind"), "alb");
    assert_eq!(int(d, "load_balancers.internal.idle_timeout_s"), 60);
    assert_eq!(string(d, &format!("{l}.protocol")), "https");
    assert_eq!(
        int(d, &format!("{l}.default_action.fixed_response.status")),
        404
    );
    assert_eq!(int(d, &format!("{l}.rules.0.priority")), 10);
    assert_eq!(
        string(d, &format!("{l}.rules.0.conditions.path.0")),
        "/pets*"
    );
    // The rule's target group comes from the local module's output.
    assert_eq!(
        string(d, &format!("{l}.rules.0.action.target_group")),
        "pets"
    );
    assert_eq!(
        string(d, &format!("{l}.rules.1.action.target_group")),
        "food"
    );
    // pets_count = 3 from terraform.tfvars, food's 2 from the module call.
    assert_eq!(int(d, "target_groups.pets.targets"), 3);
    assert_eq!(int(d, "target_groups.food.targets"), 2);
    assert_eq!(
        string(d, "target_groups.pets.algorithm"),
        "least_outstanding"
    );
    assert_eq!(int(d, "target_groups.pets.deregistration_delay_s"), 60);
    assert_eq!(
        string(d, "target_groups.pets.health_check.protocol"),
        "http"
    );
    assert_eq!(int(d, "target_groups.pets.health_check.interval_s"), 15);
    assert_eq!(int(d, "target_groups.pets.service.stop_timeout_s"), 45);
    assert_eq!(
        int(
            d,
            "target_groups.pets.service.container_health_check.interval_s"
        ),
        20
    );
    assert!(at(d, "target_groups.pets").get("sidecar").is_some());
    let a = "target_groups.pets.autoscaling";
    assert_eq!(int(d, &format!("{a}.min_tasks")), 3);
    assert_eq!(int(d, &format!("{a}.max_tasks")), 8);
    assert_eq!(int(d, &format!("{a}.scale_out_datapoints")), 3);
    assert_eq!(int(d, &format!("{a}.scale_in_datapoints")), 15);
    let steps = at(d, &format!("{a}.request_steps")).as_array().unwrap();
    let triples: Vec<(i64, Option<i64>, i64)> = steps
        .iter()
        .map(|s| {
            (
                s["lower"].as_integer().unwrap(),
                s.get("upper").and_then(toml::Value::as_integer),
                s["change"].as_integer().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        triples,
        [
            (0, Some(1500), -1),
            (6000, Some(12000), 1),
            (12000, None, 3)
        ]
    );
    // The registry module is listed with the output used from it and its inputs.
    let note = imp
        .stderr
        .lines()
        .find(|l| l.contains("module.network"))
        .expect("the remote module is listed");
    assert!(note.contains("module.network.private_subnets"), "{note}");
    assert!(note.contains("cidr = \"10.0.0.0/16\""), "{note}");
    assert!(
        imp.stderr
            .contains("module.pets.aws_lb_target_group.this: stickiness is not modelled")
    );
    assert!(
        imp.text
            .contains("targets = 3  # from Terraform module.pets.aws_ecs_service.this")
    );
    check_assumptions(
        &imp,
        &["traffic.0.rate_rps", "target_groups.food.app.workers"],
    );
    validates_and_runs(&imp, "terraform-alb");

    let imp = import(
        "terraform",
        &fixture("terraform-alb"),
        &["--var", "pets_count=5"],
    );
    assert_eq!(int(&imp.doc, "target_groups.pets.targets"), 5);
    let out = simroute(&[
        "import",
        "terraform",
        &fixture("terraform-alb"),
        "--var",
        "nope=1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no variable `nope`"));
}

#[test]
fn terraform_plan_json_with_stage_variables_and_a_module() {
    let imp = import("terraform", &fixture("storage-service.tfplan.json"), &[]);
    let d = &imp.doc;
    assert_eq!(string(d, "gateway.kind"), "rest");
    assert_eq!(string(d, "gateway.authorizer.kind"), "cognito");
    assert_eq!(int(d, "gateway.stage_throttle.burst"), 2500);
    let rs = routes(d);
    let keys: Vec<&str> = rs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["ANY /bags/{proxy+}", "ANY /ingests/{proxy+}"]);
    // Ports from stageVariables.bags_port and ingests_port; the NLB from the VPC link's target.
    assert_eq!(rs[0].1["integration"]["port"].as_integer(), Some(65534));
    assert_eq!(rs[1].1["integration"]["port"].as_integer(), Some(65535));
    assert_eq!(string(d, "load_balancers.storage.kind"), "nlb");
    assert_eq!(
        string(d, "load_balancers.storage.listeners.1.target_group"),
        "ingests"
    );
    assert_eq!(
        at(d, "target_groups.bags.cross_zone").as_bool(),
        Some(false)
    );
    assert_eq!(int(d, "target_groups.bags.targets"), 3);
    // The module's service is tied to the root's target group through its input variable.
    assert_eq!(int(d, "target_groups.ingests.targets"), 2);
    assert_eq!(int(d, "target_groups.ingests.deregistration_delay_s"), 30);
    assert!(
        imp.text
            .contains("# from Terraform module.ingests.aws_ecs_service.this")
    );
    assert_eq!(
        at(d, "target_groups").as_table().unwrap().len(),
        2,
        "one group per service"
    );
    check_assumptions(&imp, &["gateway.vpc_link"]);
    validates_and_runs(&imp, "terraform-plan");
}

#[test]
fn bad_terraform_exits_2_naming_file_line_and_resource() {
    let dir = scratch("bad-terraform");
    let tf = dir.join("syntax");
    std::fs::create_dir_all(&tf).unwrap();
    std::fs::write(
        tf.join("main.tf"),
        "resource \"aws_lb\" \"x\" {\n  name = \"a\"\n  port = \n}\n",
    )
    .unwrap();
    let e = fails("terraform", &tf);
    assert!(e.contains("main.tf:"), "{e}");

    let typed = dir.join("typed");
    std::fs::create_dir_all(&typed).unwrap();
    std::fs::write(
        typed.join("lb.tf"),
        "# a listener with a port that is not a number\n\nresource \"aws_lb_listener\" \"l\" {\n  port = \"https\"\n}\n",
    )
    .unwrap();
    let e = fails("terraform", &typed);
    assert!(
        e.contains("lb.tf:3: Terraform aws_lb_listener.l: `port` must be a number"),
        "{e}"
    );

    let plan = dir.join("plan.json");
    std::fs::write(&plan, "{\"format_version\": \"1.2\"}\n").unwrap();
    assert!(fails("terraform", &plan).contains("planned_values"));
    assert!(fails("terraform", &dir.join("nowhere")).contains("nowhere"));
}

/// Imports `template` (written to a scratch file) as CloudFormation.
fn import_text(name: &str, template: &str) -> Imported {
    let dir = scratch(name);
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, template).unwrap();
    import("cloudformation", &file.display().to_string(), &[])
}

#[test]
fn sam_http_api_definition_body_and_edge_cases_still_validate() {
    // A SAM HttpApi whose inline OpenAPI body names the listener by !Ref; two routes that give
    // the same request (`ANY` and `GET`); a 5 s health check interval, shorter than the NLB's
    // default 10 s timeout.
    let imp = import_text(
        "sam",
        r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: 3.0.1
        info: { title: pets, version: "1" }
        paths:
          /pets/{proxy+}:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration: &i
                type: http_proxy
                connectionType: VPC_LINK
                connectionId: !Ref Link
                uri: !Ref Listener
                payloadFormatVersion: "1.0"
            get:
              x-amazon-apigateway-integration: *i
  Link:
    Type: AWS::ApiGatewayV2::VpcLink
    Properties: { Name: l, SubnetIds: [a] }
  Nlb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: { Type: network, Name: pets }
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Nlb
      Port: 8080
      Protocol: TCP
      DefaultActions: [{ Type: forward, TargetGroupArn: !Ref Tg }]
  Tg:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: { Name: pets, Protocol: TCP, Port: 8080, HealthCheckIntervalSeconds: 5 }
  Worker:
    Type: AWS::Serverless::Function
    Properties: { Handler: index.handler, Runtime: nodejs20.x }
"#,
    );
    let d = &imp.doc;
    assert_eq!(string(d, "gateway.kind"), "http");
    let rs = routes(d);
    assert_eq!(rs.len(), 2);
    for (_, r) in &rs {
        assert_eq!(r["integration"]["load_balancer"].as_str(), Some("pets"));
        assert_eq!(r["integration"]["port"].as_integer(), Some(8080));
    }
    let names: Vec<&str> = at(d, "traffic")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["get-pets-example", "get-pets-example-2"]);
    assert_eq!(int(d, "target_groups.pets.health_check.interval_s"), 5);
    assert_eq!(int(d, "target_groups.pets.health_check.timeout_s"), 5);
    assert!(
        imp.stderr
            .contains("AWS::Serverless::Function Worker: resource type not modelled")
    );
    validates_and_runs(&imp, "sam");
}

#[test]
fn openapi_api_keys_are_not_authorization() {
    let dir = scratch("api-key");
    let file = dir.join("keys.json");
    std::fs::write(
        &file,
        r#"{"openapi": "3.0.1", "info": {"title": "keys", "version": "1"},
  "paths": {
    "/a/{proxy+}": {"get": {"security": [{"key": []}], "x-amazon-apigateway-integration": {"type": "http_proxy", "connectionType": "VPC_LINK", "uri": "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/nlb/a/b", "payloadFormatVersion": "1.0"}}},
    "/b/{proxy+}": {"get": {"security": [{"jwt": []}], "x-amazon-apigateway-integration": {"type": "http_proxy", "connectionType": "VPC_LINK", "uri": "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/nlb/a/b", "payloadFormatVersion": "1.0"}}}
  },
  "components": {"securitySchemes": {
    "key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
    "jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {"type": "jwt"}}}}}"#,
    )
    .unwrap();
    let imp = import("openapi", &file.display().to_string(), &[]);
    let rs = routes(&imp.doc);
    assert!(
        rs[0].1.get("auth").is_none(),
        "an API key is not an authorizer"
    );
    assert_eq!(rs[1].1["auth"].as_bool(), Some(true));
    assert!(
        imp.stderr.contains("authorization API_KEY is not modelled"),
        "{}",
        imp.stderr
    );
    assert_eq!(string(&imp.doc, "load_balancers.nlb.kind"), "nlb");
}
