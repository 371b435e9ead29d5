//! A legend laid out as wrapped rows above a chart, so it never covers data.

use plotters::coord::Shift;
use plotters::element::{DashedPathElement, PathElement, Rectangle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::RGBColor;

use super::style::{self, Shape};
use super::DrawError;

/// What a legend entry shows left of its label.
#[derive(Debug, Clone)]
pub enum Swatch {
    /// A line sample; `dashed` draws it dashed.
    Line {
        color: RGBColor,
        width: u32,
        dashed: bool,
    },
    /// A dashed line with its own dash pattern (dash, gap) in pixels.
    Dash {
        color: RGBColor,
        width: u32,
        dash: (u32, u32),
    },
    /// A line with a marker in the middle.
    LineMarker {
        color: RGBColor,
        dashed: bool,
        shape: Shape,
    },
    /// A marker alone; unfilled markers are white inside.
    Marker {
        color: RGBColor,
        shape: Shape,
        filled: bool,
    },
    /// No swatch: the label is a heading for the items after it.
    Heading,
    /// Not drawn: the next item starts a new row.
    RowBreak,
    /// A filled rectangle (bands, areas); `border` outlines it.
    Fill {
        color: RGBColor,
        border: Option<RGBColor>,
    },
    /// A vertical line (event markers), with an optional glyph on it.
    Vertical {
        color: RGBColor,
        width: u32,
        dashed: bool,
        glyph: Option<Shape>,
    },
    /// A small box-plot glyph explaining the exposure chart.
    BoxGlyph { color: RGBColor },
}

/// One legend entry.
#[derive(Debug, Clone)]
pub struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendItem {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        LegendItem {
            swatch,
            label: label.into(),
        }
    }

    /// Forces a new row.
    pub fn row_break() -> Self {
        LegendItem::new(Swatch::RowBreak, "")
    }
}

const SWATCH_WIDTH: i32 = 30;
const SWATCH_GAP: i32 = 7;
const ITEM_GAP: i32 = 24;
const ROW_HEIGHT: u32 = 26;

fn item_width(item: &LegendItem) -> i32 {
    let (w, _) = style::text_size(&style::font(style::LEGEND_FONT_SIZE), &item.label);
    match item.swatch {
        Swatch::Heading => w as i32,
        Swatch::RowBreak => 0,
        _ => SWATCH_WIDTH + SWATCH_GAP + w as i32,
    }
}

/// Splits the items into rows that fit `width` pixels.
fn rows(items: &[LegendItem], width: u32) -> Vec<Vec<&LegendItem>> {
    let mut rows: Vec<Vec<&LegendItem>> = Vec::new();
    let mut used = 0;
    let mut force_break = false;
    for item in items {
        if matches!(item.swatch, Swatch::RowBreak) {
            force_break = true;
            continue;
        }
        let w = item_width(item);
        let must_break = std::mem::take(&mut force_break);
        match rows.last_mut() {
            Some(row) if !must_break && used + ITEM_GAP + w <= width as i32 => {
                row.push(item);
                used += ITEM_GAP + w;
            }
            _ => {
                rows.push(vec![item]);
                used = w;
            }
        }
    }
    rows
}

/// Height the legend needs when laid out in `width` pixels.
pub fn height(items: &[LegendItem], width: u32) -> u32 {
    let n = rows(items, width).len() as u32;
    if n == 0 {
        0
    } else {
        n * ROW_HEIGHT + 8
    }
}

/// Draws the legend at the top of `area` (rows centred) and returns the
/// area below it.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let (w, _) = area.dim_in_pixel();
    let inner = w.saturating_sub(2 * style::MARGIN);
    let laid_out = rows(items, inner);
    for (r, row) in laid_out.iter().enumerate() {
        let total: i32 =
            row.iter().map(|i| item_width(i)).sum::<i32>() + ITEM_GAP * (row.len() as i32 - 1);
        let mut x = (w as i32 - total) / 2;
        let y = (r as u32 * ROW_HEIGHT + ROW_HEIGHT / 2) as i32;
        for item in row {
            let text_x = if matches!(item.swatch, Swatch::Heading) {
                x
            } else {
                draw_swatch(area, &item.swatch, x, y)?;
                x + SWATCH_WIDTH + SWATCH_GAP
            };
            area.draw(&Text::new(
                item.label.clone(),
                (text_x, y),
                style::text(
                    style::LEGEND_FONT_SIZE,
                    &style::TEXT_COLOR,
                    HPos::Left,
                    VPos::Center,
                ),
            ))?;
            x += item_width(item) + ITEM_GAP;
        }
    }
    let (_, rest) = area.split_vertically(height(items, inner));
    Ok(rest)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: &Swatch,
    x: i32,
    y: i32,
) -> Result<(), DrawError> {
    let x1 = x + SWATCH_WIDTH;
    match swatch {
        Swatch::Line {
            color,
            width,
            dashed,
        } => line(area, x, x1, y, color, *width, *dashed)?,
        Swatch::LineMarker {
            color,
            dashed,
            shape,
        } => {
            line(area, x, x1, y, color, 2, *dashed)?;
            style::draw_marker(area, ((x + x1) / 2, y), *shape, 5, color, true)?;
        }
        Swatch::Marker {
            color,
            shape,
            filled,
        } => {
            style::draw_marker(area, ((x + x1) / 2, y), *shape, 6, color, *filled)?;
        }
        Swatch::Heading | Swatch::RowBreak => {}
        Swatch::Fill { color, border } => {
            area.draw(&Rectangle::new([(x, y - 8), (x1, y + 8)], color.filled()))?;
            if let Some(b) = border {
                area.draw(&Rectangle::new(
                    [(x, y - 8), (x1, y + 8)],
                    b.stroke_width(1),
                ))?;
            }
        }
        Swatch::Dash { color, width, dash } => {
            area.draw(&DashedPathElement::new(
                [(x, y), (x1, y)],
                dash.0,
                dash.1,
                color.stroke_width(*width),
            ))?;
        }
        Swatch::Vertical {
            color,
            width,
            dashed,
            glyph,
        } => {
            let cx = (x + x1) / 2;
            let pts = [(cx, y - 10), (cx, y + 10)];
            if *dashed {
                area.draw(&DashedPathElement::new(
                    pts,
                    4,
                    3,
                    color.stroke_width(*width),
                ))?;
            } else {
                area.draw(&PathElement::new(pts, color.stroke_width(*width)))?;
            }
            if let Some(shape) = glyph {
                style::draw_marker(area, (cx, y - 4), *shape, 5, color, true)?;
            }
        }
        Swatch::BoxGlyph { color } => {
            let cx = (x + x1) / 2;
            let s = color.stroke_width(1);
            area.draw(&PathElement::new(vec![(cx, y - 11), (cx, y + 11)], s))?;
            area.draw(&Rectangle::new(
                [(x + 6, y - 6), (x1 - 6, y + 6)],
                color.mix(0.3).filled(),
            ))?;
            area.draw(&Rectangle::new([(x + 6, y - 6), (x1 - 6, y + 6)], s))?;
            area.draw(&PathElement::new(
                vec![(x + 6, y), (x1 - 6, y)],
                color.stroke_width(2),
            ))?;
        }
    }
    Ok(())
}

fn line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x0: i32,
    x1: i32,
    y: i32,
    color: &RGBColor,
    width: u32,
    dashed: bool,
) -> Result<(), DrawError> {
    let style = color.stroke_width(width);
    if dashed {
        style::draw_dashed(area, &[(x0, y), (x1, y)], style)
    } else {
        area.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))?;
        Ok(())
    }
}
