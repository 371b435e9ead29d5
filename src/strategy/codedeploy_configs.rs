//! CodeDeploy's predefined deployment configurations and the spellings a
//! scenario may write them in.
//!
//! The configurations and their timings are the CodeDeploy user guide's
//! "Working with deployment configurations" tables (reference §2.1): nine
//! for AWS Lambda and five for Amazon ECS. The ECS ones shift traffic
//! between task sets with the same canary / linear / all-at-once timings,
//! which is all canarysim simulates of them.
//!
//! Spellings, as real code writes them:
//! - the API / CloudFormation name, `CodeDeployDefault.LambdaCanary10Percent5Minutes`
//!   or `CodeDeployDefault.ECSCanary10Percent5Minutes` (also without the
//!   `CodeDeployDefault.` part);
//! - SAM's `DeploymentPreference.Type` for Lambda, `Canary10Percent5Minutes`;
//! - the CDK constants, `LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES`
//!   (aws-cdk-lib `aws-codedeploy/lib/lambda/deployment-config.ts`) and
//!   `EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES`
//!   (`.../lib/ecs/deployment-config.ts`), with any module path in front
//!   (`codedeploy.`, `aws_codedeploy.`); a bare constant names the Lambda
//!   configuration, as `LambdaDeploymentConfig` is the Lambda class.
//!
//! ASCII case and underscores are ignored when comparing, so the user
//! guide's own `ECSCanary10percent5Minutes` and seed 000's
//! `CANARY_10_PERCENT_5_MINUTES` (not a real CDK constant, but what the
//! seed writes) are accepted.

use crate::model::TrafficShift;
use crate::scenario::validate::limits::MINUTE;

/// The compute platform a predefined configuration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Lambda,
    Ecs,
}

/// One predefined configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Predefined {
    pub platform: Platform,
    /// The name canarysim reports: SAM's for Lambda
    /// (`Canary10Percent5Minutes`), the API name without
    /// `CodeDeployDefault.` for ECS (`ECSCanary10Percent5Minutes`).
    pub name: &'static str,
    /// The CDK constant on `LambdaDeploymentConfig` / `EcsDeploymentConfig`.
    pub cdk: &'static str,
    pub shift: TrafficShift,
}

impl Predefined {
    /// The API / CloudFormation name, e.g.
    /// `CodeDeployDefault.LambdaCanary10Percent5Minutes`.
    pub fn api_name(&self) -> String {
        match self.platform {
            Platform::Lambda => format!("{CODEDEPLOY_DEFAULT}.Lambda{}", self.name),
            Platform::Ecs => format!("{CODEDEPLOY_DEFAULT}.{}", self.name),
        }
    }

    /// The CDK spelling, e.g. `LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES`.
    pub fn cdk_name(&self) -> String {
        format!("{}.{}", cdk_class(self.platform), self.cdk)
    }
}

const CODEDEPLOY_DEFAULT: &str = "CodeDeployDefault";

fn cdk_class(platform: Platform) -> &'static str {
    match platform {
        Platform::Lambda => "LambdaDeploymentConfig",
        Platform::Ecs => "EcsDeploymentConfig",
    }
}

const fn lambda(name: &'static str, cdk: &'static str, shift: TrafficShift) -> Predefined {
    Predefined {
        platform: Platform::Lambda,
        name,
        cdk,
        shift,
    }
}

const fn ecs(name: &'static str, cdk: &'static str, shift: TrafficShift) -> Predefined {
    Predefined {
        platform: Platform::Ecs,
        name,
        cdk,
        shift,
    }
}

/// A canary shift of `percentage` for `minutes` (also the tests' shorthand).
pub(super) const fn canary(percentage: u32, minutes: u64) -> TrafficShift {
    TrafficShift::Canary {
        percentage,
        interval: MINUTE.times(minutes),
    }
}

/// A linear shift of `percentage` every `minutes`.
pub(super) const fn linear(percentage: u32, minutes: u64) -> TrafficShift {
    TrafficShift::Linear {
        percentage,
        interval: MINUTE.times(minutes),
    }
}

/// Every predefined configuration, Lambda first (reference §2.1; the
/// user guide's ECS table: `ECSLinear10PercentEvery1Minutes` "Shifts 10
/// percent of traffic every minute until all traffic is shifted",
/// `ECSCanary10Percent5Minutes` "The remaining 90 percent is deployed five
/// minutes later", and so on).
pub const PREDEFINED_CONFIGS: [Predefined; 14] = [
    lambda("AllAtOnce", "ALL_AT_ONCE", TrafficShift::AllAtOnce),
    lambda(
        "Canary10Percent5Minutes",
        "CANARY_10PERCENT_5MINUTES",
        canary(10, 5),
    ),
    lambda(
        "Canary10Percent10Minutes",
        "CANARY_10PERCENT_10MINUTES",
        canary(10, 10),
    ),
    lambda(
        "Canary10Percent15Minutes",
        "CANARY_10PERCENT_15MINUTES",
        canary(10, 15),
    ),
    lambda(
        "Canary10Percent30Minutes",
        "CANARY_10PERCENT_30MINUTES",
        canary(10, 30),
    ),
    lambda(
        "Linear10PercentEvery1Minute",
        "LINEAR_10PERCENT_EVERY_1MINUTE",
        linear(10, 1),
    ),
    lambda(
        "Linear10PercentEvery2Minutes",
        "LINEAR_10PERCENT_EVERY_2MINUTES",
        linear(10, 2),
    ),
    lambda(
        "Linear10PercentEvery3Minutes",
        "LINEAR_10PERCENT_EVERY_3MINUTES",
        linear(10, 3),
    ),
    lambda(
        "Linear10PercentEvery10Minutes",
        "LINEAR_10PERCENT_EVERY_10MINUTES",
        linear(10, 10),
    ),
    ecs("ECSAllAtOnce", "ALL_AT_ONCE", TrafficShift::AllAtOnce),
    ecs(
        "ECSCanary10Percent5Minutes",
        "CANARY_10PERCENT_5MINUTES",
        canary(10, 5),
    ),
    ecs(
        "ECSCanary10Percent15Minutes",
        "CANARY_10PERCENT_15MINUTES",
        canary(10, 15),
    ),
    ecs(
        "ECSLinear10PercentEvery1Minutes",
        "LINEAR_10PERCENT_EVERY_1MINUTES",
        linear(10, 1),
    ),
    ecs(
        "ECSLinear10PercentEvery3Minutes",
        "LINEAR_10PERCENT_EVERY_3MINUTES",
        linear(10, 3),
    ),
];

/// `text` without underscores, ASCII-lowercased: the form names are
/// compared in.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|&c| c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The predefined configuration `text` names, in any accepted spelling
/// (see the module docs); `None` if it names none.
pub fn predefined_config(text: &str) -> Option<&'static Predefined> {
    let text = text.trim();
    let (qualifier, name) = match text.rfind('.') {
        Some(dot) => (Some(&text[..dot]), folded(&text[dot + 1..])),
        None => (None, folded(text)),
    };
    // The class is the last dotted part of the qualifier; a module path
    // in front of a CDK class (`codedeploy.`, `aws_cdk.aws_codedeploy.`)
    // is allowed.
    let class = qualifier.map(|q| folded(q.rsplit('.').next().unwrap_or(q)));
    let is = |class: &str, wanted: &str| class == folded(wanted);
    PREDEFINED_CONFIGS.iter().find(|p| {
        let reported = folded(p.name);
        let api = match p.platform {
            Platform::Lambda => folded(&format!("Lambda{}", p.name)),
            Platform::Ecs => reported.clone(),
        };
        match class.as_deref() {
            // SAM's Type, or the API name without `CodeDeployDefault.`, or
            // a bare Lambda CDK constant (equal to SAM's name once folded).
            None => name == reported || name == api,
            Some(c) if is(c, CODEDEPLOY_DEFAULT) => name == api,
            Some(c) if is(c, cdk_class(p.platform)) => name == folded(p.cdk),
            Some(_) => false,
        }
    })
}

/// The accepted names for messages: every reported name, then how the
/// other spellings are formed.
pub fn accepted_names() -> String {
    let names = |platform: Platform| {
        PREDEFINED_CONFIGS
            .iter()
            .filter(|p| p.platform == platform)
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "Lambda: {}; ECS: {}; each also as the API name ({}, {}) or a CDK constant ({}, {}), ignoring ASCII case and underscores",
        names(Platform::Lambda),
        names(Platform::Ecs),
        PREDEFINED_CONFIGS[1].api_name(),
        PREDEFINED_CONFIGS[10].api_name(),
        PREDEFINED_CONFIGS[1].cdk_name(),
        PREDEFINED_CONFIGS[12].cdk_name(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LinearCompletion;
    use crate::sim::time::{secs, Micros};
    use crate::strategy::codedeploy::shift_plan;

    fn parsed(text: &str) -> Option<&'static str> {
        predefined_config(text).map(|p| p.name)
    }

    #[test]
    fn every_spelling_of_every_lambda_configuration() {
        for p in PREDEFINED_CONFIGS
            .iter()
            .filter(|p| p.platform == Platform::Lambda)
        {
            for written in [
                p.name.to_string(),
                format!("Lambda{}", p.name),
                p.api_name(),
                p.cdk.to_string(),
                p.cdk_name(),
                format!("codedeploy.{}", p.cdk_name()),
                format!("aws_cdk.aws_codedeploy.{}", p.cdk_name()),
                format!("  {}  ", p.name.to_ascii_uppercase()),
            ] {
                assert_eq!(parsed(&written), Some(p.name), "{written}");
            }
        }
    }

    #[test]
    fn every_spelling_of_every_ecs_configuration() {
        for p in PREDEFINED_CONFIGS
            .iter()
            .filter(|p| p.platform == Platform::Ecs)
        {
            for written in [
                p.name.to_string(),
                p.api_name(),
                p.cdk_name(),
                format!("codedeploy.{}", p.cdk_name()),
            ] {
                assert_eq!(parsed(&written), Some(p.name), "{written}");
            }
        }
    }

    #[test]
    fn the_names_real_code_and_the_seeds_write() {
        for (written, name) in [
            // CloudFormation / API.
            (
                "CodeDeployDefault.LambdaCanary10Percent5Minutes",
                "Canary10Percent5Minutes",
            ),
            // SAM DeploymentPreference.Type.
            ("Linear10PercentEvery1Minute", "Linear10PercentEvery1Minute"),
            // CDK (aws-cdk-lib lambda/deployment-config.ts).
            ("CANARY_10PERCENT_5MINUTES", "Canary10Percent5Minutes"),
            (
                "LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE",
                "Linear10PercentEvery1Minute",
            ),
            ("ALL_AT_ONCE", "AllAtOnce"),
            // Seed 000 (a spelling the CDK does not define).
            (
                "codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES",
                "Canary10Percent5Minutes",
            ),
            ("CANARY_10_PERCENT_5_MINUTES", "Canary10Percent5Minutes"),
            // The user guide's ECS table writes a lower-case "percent".
            (
                "CodeDeployDefault.ECSCanary10percent5Minutes",
                "ECSCanary10Percent5Minutes",
            ),
            (
                "EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES",
                "ECSLinear10PercentEvery1Minutes",
            ),
            ("EcsDeploymentConfig.ALL_AT_ONCE", "ECSAllAtOnce"),
        ] {
            assert_eq!(parsed(written), Some(name), "{written}");
        }
    }

    #[test]
    fn names_of_other_platforms_and_made_up_names_are_rejected() {
        for written in [
            // EC2/On-premises configurations.
            "CodeDeployDefault.AllAtOnce",
            "CodeDeployDefault.OneAtATime",
            // No platform after CodeDeployDefault.
            "CodeDeployDefault.Canary10Percent5Minutes",
            // The Lambda linear-1 name is singular, the ECS one plural.
            "Linear10PercentEvery1Minutes",
            "LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES",
            "EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE",
            // ECS has no 10-minute canary, Lambda no ECS prefix.
            "ECSCanary10Percent10Minutes",
            "EcsDeploymentConfig.CANARY_10PERCENT_30MINUTES",
            "LambdaDeploymentConfig.ECSAllAtOnce",
            "Canary20Percent5Minutes",
            "Other.CANARY_10PERCENT_5MINUTES",
            "",
        ] {
            assert_eq!(parsed(written), None, "{written:?}");
        }
    }

    #[test]
    fn every_folded_spelling_names_one_configuration() {
        let mut keys: Vec<String> = Vec::new();
        for p in &PREDEFINED_CONFIGS {
            keys.push(folded(&p.api_name()));
            keys.push(folded(&p.cdk_name()));
        }
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    /// The ECS timings of the user guide: canary 10 % then 100 % after 5
    /// or 15 minutes; linear 10 % every 1 or 3 minutes, 100 % at 9 or 27
    /// minutes (model A) — the Lambda configurations' shapes.
    #[test]
    fn ecs_timings() {
        let at = |name: &str| {
            let p = predefined_config(name).expect(name);
            shift_plan(p.shift, LinearCompletion::LastShift)
        };
        let all = at("ECSAllAtOnce");
        assert_eq!(all.steps, vec![(Micros::ZERO, 100)]);
        assert_eq!(all.complete_at, Micros::ZERO);
        for (name, minutes) in [
            ("ECSCanary10Percent5Minutes", 5),
            ("ECSCanary10Percent15Minutes", 15),
        ] {
            let p = at(name);
            assert_eq!(
                p.steps,
                vec![(Micros::ZERO, 10), (secs(60 * minutes), 100)],
                "{name}"
            );
            assert_eq!(p.complete_at, secs(60 * minutes), "{name}");
        }
        for (name, minutes) in [
            ("ECSLinear10PercentEvery1Minutes", 1),
            ("ECSLinear10PercentEvery3Minutes", 3),
        ] {
            let p = at(name);
            let expected: Vec<(Micros, u32)> = (0..10)
                .map(|k| (secs(60 * minutes * k), 10 * (k as u32 + 1)))
                .collect();
            assert_eq!(p.steps, expected, "{name}");
            assert_eq!(p.complete_at, secs(60 * minutes * 9), "{name}");
        }
    }

    #[test]
    fn the_message_lists_every_name() {
        let m = accepted_names();
        for p in &PREDEFINED_CONFIGS {
            assert!(m.contains(p.name), "{}", p.name);
        }
        assert!(m.contains("CodeDeployDefault.LambdaCanary10Percent5Minutes"));
        assert!(m.contains("CodeDeployDefault.ECSCanary10Percent5Minutes"));
        assert!(m.contains("LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES"));
        assert!(m.contains("EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES"));
    }
}
