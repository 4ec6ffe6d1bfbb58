//! The infrastructure as read from code, whatever language it was written in: plain data that
//! `cloudformation`, `openapi` and `terraform` fill in and `emit` turns into a scenario.
//!
//! Resources refer to each other through *references*: strings holding markers `⟨ID⟩` (the
//! resource itself, as CloudFormation's `Ref` or a Terraform `aws_lb.x.id`) or `⟨ID#ATTR⟩` (one
//! of its attributes, as `Fn::GetAtt` or `aws_lb.x.dns_name`), possibly inside longer text (an
//! integration URI `http://⟨Nlb#DNSName⟩:65534/{proxy}`). `ID` is a CloudFormation logical ID or
//! a Terraform address (`aws_lb.storage`, `module.bags.aws_ecs_service.this`).

use std::collections::BTreeMap;
use std::fmt;

/// Where a value came from: a resource's type and name, as the comments in the scenario say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prov {
    /// `AWS::ElasticLoadBalancingV2::TargetGroup`, `aws_lb_target_group`, `OpenAPI operation`.
    pub kind: String,
    /// The logical ID, Terraform address or route.
    pub name: String,
}

impl Prov {
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> Prov {
        Prov {
            kind: kind.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for Prov {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// The marker for a reference to resource `id` (and optionally its attribute `attr`).
pub fn marker(id: &str, attr: Option<&str>) -> String {
    match attr {
        Some(a) => format!("⟨{id}#{a}⟩"),
        None => format!("⟨{id}⟩"),
    }
}

/// The resource IDs that `text` refers to, in order.
pub fn refs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('⟨') {
        let after = &rest[start + '⟨'.len_utf8()..];
        let Some(end) = after.find('⟩') else { break };
        let inner = &after[..end];
        out.push(inner.split('#').next().unwrap_or(inner));
        rest = &after[end + '⟩'.len_utf8()..];
    }
    out
}

/// Whether `text` refers to resource `id`.
pub fn refers_to(text: &str, id: &str) -> bool {
    refs(text).contains(&id)
}

/// Whether `reference` names resource `id`: a marker for it, or the ID itself.
pub fn points_at(reference: &str, id: &str) -> bool {
    refers_to(reference, id) || reference == id
}

/// All the infrastructure read from one input.
#[derive(Debug, Default)]
pub struct Infra {
    pub apis: Vec<Api>,
    pub rest_resources: Vec<RestResource>,
    pub routes: Vec<Route>,
    pub integrations: Vec<Integration>,
    pub authorizers: Vec<Authorizer>,
    pub stages: Vec<Stage>,
    pub vpc_links: Vec<VpcLink>,
    pub load_balancers: Vec<LoadBalancer>,
    pub listeners: Vec<Listener>,
    pub rules: Vec<ListenerRule>,
    pub target_groups: Vec<TargetGroup>,
    pub services: Vec<Service>,
    pub task_definitions: Vec<TaskDefinition>,
    pub discovery_services: Vec<DiscoveryService>,
    pub scalable_targets: Vec<ScalableTarget>,
    pub policies: Vec<ScalingPolicy>,
    pub alarms: Vec<Alarm>,
    pub user_pools: Vec<Prov>,
    /// Resources read but not turned into the scenario, with why.
    pub unsupported: Vec<(Prov, String)>,
    /// Things the user should know that are not about one resource (remote modules, ...).
    pub notes: Vec<String>,
}

/// API Gateway's two kinds of API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
}

/// A REST API or an HTTP API.
#[derive(Debug, Clone)]
pub struct Api {
    pub id: String,
    pub prov: Prov,
    pub kind: ApiKind,
}

/// A REST API resource (one path segment under its parent).
#[derive(Debug, Clone)]
pub struct RestResource {
    pub id: String,
    /// A reference to the parent resource, or to the API's root resource.
    pub parent: String,
    pub path_part: String,
}

/// How a route is authorized.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteAuth {
    None,
    /// A reference to the authorizer.
    Authorizer(String),
    /// An authorization type with no authorizer named (`AWS_IAM`, or `JWT` with an implicit one).
    Type(String),
}

/// A route (HTTP API) or a method on a resource (REST API).
#[derive(Debug, Clone)]
pub struct Route {
    pub prov: Prov,
    /// A reference to the API (or its ID).
    pub api: String,
    /// `GET`, `ANY`, ...; empty with `path = "$default"`.
    pub method: String,
    /// `/bags/{proxy+}` or `$default`; for a REST method, computed from `resource`.
    pub path: String,
    /// A REST method's resource reference (path still to compute).
    pub resource: Option<String>,
    pub auth: RouteAuth,
    /// A reference to (or the ID of) the integration.
    pub integration: Option<String>,
}

/// An integration: where a route sends its requests.
#[derive(Debug, Clone)]
pub struct Integration {
    pub id: String,
    pub prov: Prov,
    /// `HTTP_PROXY`, `AWS_PROXY`, `MOCK`, ... (upper case).
    pub kind: String,
    /// The URI: a URL, a listener or Cloud Map service reference or ARN.
    pub uri: String,
    /// `VPC_LINK` or `INTERNET` (upper case), if given.
    pub connection_type: Option<String>,
    pub connection_id: Option<String>,
    pub timeout_ms: Option<f64>,
    pub tls_server_name: Option<String>,
}

/// The authorizer kinds simroute models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerKind {
    Cognito,
    Jwt,
    Lambda,
}

/// An API Gateway authorizer.
#[derive(Debug, Clone)]
pub struct Authorizer {
    pub id: String,
    pub prov: Prov,
    pub kind: AuthorizerKind,
    pub ttl_s: Option<f64>,
}

/// A stage: its variables and default throttle.
#[derive(Debug, Clone)]
pub struct Stage {
    pub prov: Prov,
    pub api: String,
    pub variables: BTreeMap<String, String>,
    /// `(rate per second, burst)`.
    pub throttle: Option<(f64, f64)>,
}

/// A VPC link; a REST API's names its NLBs.
#[derive(Debug, Clone)]
pub struct VpcLink {
    pub id: String,
    pub targets: Vec<String>,
}

/// NLB or ALB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbKind {
    Nlb,
    Alb,
}

/// A load balancer.
#[derive(Debug, Clone)]
pub struct LoadBalancer {
    pub id: String,
    pub prov: Prov,
    pub kind: LbKind,
    pub name: Option<String>,
    pub idle_timeout_s: Option<f64>,
    pub cross_zone: Option<bool>,
}

/// A listener's or rule's action.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A reference to the target group.
    Forward(String),
    Fixed(u16),
    Redirect(u16),
    /// An action simroute does not model (`authenticate-cognito`, ...).
    Other(String),
}

/// A listener.
#[derive(Debug, Clone)]
pub struct Listener {
    pub id: String,
    pub prov: Prov,
    /// A reference to the load balancer.
    pub lb: String,
    pub port: u16,
    /// Set when the code does not say the port (an ARN in an OpenAPI file).
    pub port_assumed: bool,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, ... (upper case).
    pub protocol: Option<String>,
    pub default_action: Option<Action>,
}

/// An ALB rule's conditions.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    pub path: Vec<String>,
    pub host: Vec<String>,
    pub method: Vec<String>,
    pub header: Option<(String, Vec<String>)>,
    pub query: Option<(String, String)>,
    /// Conditions simroute does not model (`source-ip`).
    pub other: Vec<String>,
}

/// An ALB listener rule.
#[derive(Debug, Clone)]
pub struct ListenerRule {
    pub prov: Prov,
    pub listener: String,
    pub priority: u32,
    pub conditions: Conditions,
    pub action: Action,
}

/// A target group's health check settings, as written (unset: AWS's defaults).
#[derive(Debug, Clone, Default)]
pub struct HealthSpec {
    pub protocol: Option<String>,
    pub interval_s: Option<f64>,
    pub timeout_s: Option<f64>,
    pub healthy: Option<f64>,
    pub unhealthy: Option<f64>,
}

/// An ELB target group.
#[derive(Debug, Clone)]
pub struct TargetGroup {
    pub id: String,
    pub prov: Prov,
    pub name: Option<String>,
    /// The target group's own protocol (`HTTP`, `TCP`, ...), upper case.
    pub protocol: Option<String>,
    pub health: HealthSpec,
    pub dereg_delay_s: Option<f64>,
    pub algorithm: Option<String>,
    pub anomaly_mitigation: Option<bool>,
    pub slow_start_s: Option<f64>,
    pub stickiness: Option<bool>,
    pub connection_termination: Option<bool>,
    /// `true`, `false` or `use_load_balancer_configuration`.
    pub cross_zone: Option<String>,
}

/// An ECS service.
#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub prov: Prov,
    pub name: Option<String>,
    pub desired: Option<f64>,
    pub min_healthy_percent: Option<f64>,
    pub max_percent: Option<f64>,
    pub grace_s: Option<f64>,
    /// A reference to the task definition.
    pub task_definition: Option<String>,
    /// References to the target groups it registers with.
    pub target_groups: Vec<String>,
    /// References to the Cloud Map services it registers with.
    pub registries: Vec<String>,
    pub subnets: usize,
}

/// A container's health check (task definition `healthCheck`).
#[derive(Debug, Clone, Default)]
pub struct ContainerHealth {
    pub interval_s: Option<f64>,
    pub timeout_s: Option<f64>,
    pub retries: Option<f64>,
    pub start_period_s: Option<f64>,
}

/// A container of a task definition.
#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub ports: Vec<f64>,
    pub health: Option<ContainerHealth>,
    pub stop_timeout_s: Option<f64>,
}

impl Container {
    /// An nginx sidecar, by its image or name.
    pub fn is_nginx(&self) -> bool {
        self.image.to_ascii_lowercase().contains("nginx")
            || self.name.to_ascii_lowercase().contains("nginx")
    }
}

/// An ECS task definition.
#[derive(Debug, Clone)]
pub struct TaskDefinition {
    pub id: String,
    pub prov: Prov,
    pub containers: Vec<Container>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

/// A Cloud Map service.
#[derive(Debug, Clone)]
pub struct DiscoveryService {
    pub id: String,
    pub prov: Prov,
    pub name: Option<String>,
    pub ttl_s: Option<f64>,
    pub custom_health: bool,
    /// Route 53 health checks (`HealthCheckConfig`), not modelled.
    pub route53_health: bool,
}

/// An Application Auto Scaling scalable target (an ECS service's desired count).
#[derive(Debug, Clone)]
pub struct ScalableTarget {
    pub id: String,
    pub prov: Prov,
    /// `service/<cluster>/<service>`, with references.
    pub resource_id: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A step of a step-scaling policy, relative to its alarm's threshold.
#[derive(Debug, Clone)]
pub struct Step {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub change: f64,
}

/// What a scaling policy does.
#[derive(Debug, Clone)]
pub enum PolicyKind {
    /// Target tracking on a predefined (or custom) metric.
    Target { metric: String, value: f64 },
    /// Step scaling with `ChangeInCapacity` steps (other adjustment types are listed apart).
    Steps {
        adjustment_type: String,
        steps: Vec<Step>,
    },
}

/// A scaling policy.
#[derive(Debug, Clone)]
pub struct ScalingPolicy {
    pub id: String,
    pub prov: Prov,
    /// A reference to the scalable target, or the `service/<cluster>/<service>` resource ID.
    pub target: String,
    pub kind: PolicyKind,
    pub scale_in_cooldown_s: Option<f64>,
    pub scale_out_cooldown_s: Option<f64>,
}

/// A CloudWatch alarm that triggers step-scaling policies.
#[derive(Debug, Clone)]
pub struct Alarm {
    pub prov: Prov,
    /// References to the policies it triggers.
    pub actions: Vec<String>,
    pub metric: String,
    pub statistic: Option<String>,
    pub period_s: Option<f64>,
    pub evaluation_periods: Option<f64>,
    pub threshold: f64,
    pub comparison: String,
}

/// The path of a REST method: its resource's path parts up to the root.
pub fn rest_path(resources: &[RestResource], resource_ref: &str) -> String {
    let mut parts = Vec::new();
    let mut current = resource_ref.to_string();
    for _ in 0..64 {
        let Some(res) = resources.iter().find(|r| refers_to(&current, &r.id)) else {
            break;
        };
        parts.push(res.path_part.clone());
        current = res.parent.clone();
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// The port of a URL (`http://host:8080/x` → 8080; the scheme's default otherwise).
pub fn url_port(url: &str) -> Option<u16> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next().unwrap_or(rest);
    match host.rsplit_once(':') {
        Some((_, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            port.parse().ok()
        }
        _ => match scheme.to_ascii_lowercase().as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        },
    }
}

/// `text` with `${stageVariables.NAME}` replaced from `vars` (unknown names are left).
pub fn substitute_stage_variables(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("${{stageVariables.{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip() {
        let uri = format!("http://{}:65534/{{proxy}}", marker("Nlb", Some("DNSName")));
        assert_eq!(refs(&uri), vec!["Nlb"]);
        assert!(refers_to(&marker("aws_lb.storage", None), "aws_lb.storage"));
        assert!(!refers_to("plain text", "Nlb"));
    }

    #[test]
    fn url_ports() {
        assert_eq!(
            url_port("http://nlb.example:65534/bags/{proxy}"),
            Some(65534)
        );
        assert_eq!(url_port("https://api.example.com/x"), Some(443));
        assert_eq!(url_port("http://x"), Some(80));
        assert_eq!(
            url_port("arn:aws:elasticloadbalancing:listener/net/x"),
            None
        );
    }

    #[test]
    fn stage_variables_substitute() {
        let vars = BTreeMap::from([("bags_port".to_string(), "65534".to_string())]);
        assert_eq!(
            substitute_stage_variables("http://h:${stageVariables.bags_port}/", &vars),
            "http://h:65534/"
        );
    }

    #[test]
    fn rest_paths_follow_parents() {
        let root = marker("Api", Some("RootResourceId"));
        let resources = vec![
            RestResource {
                id: "Bags".into(),
                parent: root,
                path_part: "bags".into(),
            },
            RestResource {
                id: "BagsProxy".into(),
                parent: marker("Bags", None),
                path_part: "{proxy+}".into(),
            },
        ];
        assert_eq!(
            rest_path(&resources, &marker("BagsProxy", None)),
            "/bags/{proxy+}"
        );
        assert_eq!(
            rest_path(&resources, &marker("Api", Some("RootResourceId"))),
            "/"
        );
    }
}
