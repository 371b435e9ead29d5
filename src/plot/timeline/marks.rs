//! Event marks on a timeline: a vertical line per hook, detection,
//! rollback and deployment end (colour, width, dash and legend label per
//! kind), and glyphs for the events that often coincide, stacked at the
//! top of the weight strip.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;

use super::panel::Panel;
use super::{Strip, TimelineChart};
use crate::plot::style::{self, Shape};
use crate::plot::DrawError;

/// How an event is marked: colour, width, dashed, legend label; also the
/// drawing order (later entries are drawn on top). [`GLYPHS`] adds a glyph
/// to some.
const MARKERS: [(&str, RGBColor, u32, bool, &str); 7] = [
    (
        "pre_traffic_hook_start",
        style::HOOK_COLOR,
        2,
        true,
        "hook start",
    ),
    (
        "post_traffic_hook_start",
        style::HOOK_COLOR,
        2,
        true,
        "hook start",
    ),
    (
        "pre_traffic_hook_passed",
        style::HOOK_COLOR,
        2,
        false,
        "hook passed",
    ),
    (
        "post_traffic_hook_passed",
        style::HOOK_COLOR,
        2,
        false,
        "hook passed",
    ),
    (
        "rollback_start",
        style::ROLLBACK_COLOR,
        2,
        true,
        "rollback start",
    ),
    (
        "rollback_complete",
        style::ROLLBACK_COLOR,
        2,
        false,
        "rollback complete",
    ),
    // Drawn over the rollback start, which usually has the same time.
    ("detected", style::DETECTED_COLOR, 2, false, "detection"),
];
const END_MARKERS: [(&str, RGBColor, u32, bool, &str); 2] = [
    (
        "stopped",
        style::STOPPED_COLOR,
        3,
        false,
        "deployment stopped",
    ),
    (
        "completed",
        style::COMPLETED_COLOR,
        3,
        false,
        "deployment completed",
    ),
];
pub(super) fn marker_kinds(
) -> impl Iterator<Item = &'static (&'static str, RGBColor, u32, bool, &'static str)> {
    MARKERS.iter().chain(END_MARKERS.iter())
}

/// Glyphs of the events that often happen at the same moment, and their
/// height in the weight strip (% of its axis), so they stay apart.
const GLYPHS: [(&str, Shape, f64); 3] = [
    ("detected", Shape::TriangleDown, 101.0),
    ("rollback_start", Shape::Diamond, 86.0),
    ("rollback_complete", Shape::Square, 71.0),
];

pub(super) fn glyph(event: &str) -> Option<(Shape, f64)> {
    GLYPHS.iter().find(|g| g.0 == event).map(|g| (g.1, g.2))
}

impl TimelineChart<'_> {
    /// Glyphs of detection, rollback start and rollback complete at the
    /// top of the weight strip, stacked so that coinciding events stay
    /// apart.
    pub(super) fn draw_glyphs<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &Strip<'_, DB>,
        panel: &Panel<'_>,
        x_max: f64,
    ) -> Result<(), DrawError> {
        for (name, shape, height) in GLYPHS {
            let color = marker_kinds()
                .find(|m| m.0 == name)
                .map_or(style::TEXT_COLOR, |m| m.1);
            for e in panel.events.iter().filter(|e| e.event == name) {
                let t = e.time_s / 60.0;
                if t > x_max {
                    continue;
                }
                let px = chart.backend_coord(&(t, height));
                style::draw_marker(root, px, shape, 6, &color, true)?;
            }
        }
        Ok(())
    }

    pub(super) fn draw_markers<DB: DrawingBackend>(
        &self,
        chart: &mut Strip<'_, DB>,
        panel: &Panel<'_>,
        y: Range<f64>,
        x_max: f64,
    ) -> Result<(), DrawError> {
        for (name, color, width, dashed, _) in marker_kinds() {
            for e in panel.events.iter().filter(|e| e.event == *name) {
                let t = e.time_s / 60.0;
                if t > x_max {
                    continue;
                }
                let pts = [(t, y.start), (t, y.end)];
                let s = color.stroke_width(*width);
                if *dashed {
                    chart.draw_series(DashedLineSeries::new(pts, 5, 4, s))?;
                } else {
                    chart.draw_series(LineSeries::new(pts, s))?;
                }
            }
        }
        Ok(())
    }
}
