//! `canarysim judge kayenta`: one metric's canary and baseline samples
//! through Kayenta's Mann-Whitney classifier.

use canarysim::kayenta::classifier::{Direction, MetricRule, NanStrategy, TestParams};
use canarysim::kayenta::replay;
use canarysim::run::Error;

use crate::cli::KayentaArgs;
use crate::commands::output::print;

pub(super) fn kayenta_replay(args: KayentaArgs) -> Result<(), Error> {
    let direction = Direction::parse(&args.direction).ok_or_else(|| {
        Error::Usage(format!(
            "--direction {:?}: allowed: {}",
            args.direction,
            Direction::ALLOWED
        ))
    })?;
    let nan_strategy = NanStrategy::parse(&args.nan_strategy).ok_or_else(|| {
        Error::Usage(format!(
            "--nan-strategy {:?}: allowed: {}",
            args.nan_strategy,
            NanStrategy::ALLOWED
        ))
    })?;
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Error::Usage(format!(
            "--confidence {}: must be between 0 and 1 (exclusive)",
            args.confidence
        )));
    }
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        return Err(Error::Usage(format!(
            "--tolerance {}: must be a finite number >= 0",
            args.tolerance
        )));
    }
    let effect_size = replay::parse_effect_size(&args.effect_size)
        .map_err(|e| Error::Usage(format!("--effect-size {e}")))?;
    let canary =
        replay::parse_samples(&args.canary).map_err(|e| Error::Usage(format!("--canary: {e}")))?;
    let baseline = replay::parse_samples(&args.baseline)
        .map_err(|e| Error::Usage(format!("--baseline: {e}")))?;
    let rule = MetricRule {
        direction,
        nan_strategy,
        critical: args.critical,
        must_have_data: args.must_have_data,
        effect_size,
    };
    let params = TestParams {
        tolerance: args.tolerance,
        confidence: args.confidence,
    };
    let (_, text) = replay::replay(&baseline, &canary, &rule, &params);
    print(&text);
    Ok(())
}
