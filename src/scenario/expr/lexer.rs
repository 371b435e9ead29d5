//! Tokens of a metric math expression, each with its 1-based column so
//! parse errors can point at it.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    /// A metric (`errors`, `Duration.p99`), a function name, or a keyword
    /// (`AND`, `OR`, `REPEAT`).
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Gt,
    Ge,
    Lt,
    Le,
    EqEq,
    Ne,
    AndAnd,
    OrOr,
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    /// 1-based character column.
    pub column: usize,
    pub text: String,
}

/// What may appear in an expression, for the tokenizer's errors.
const ALLOWED: &str = "allowed: numbers, metric names, + - * /, comparisons > >= < <= == !=, && ||, parentheses, commas and [ ] (in MIN/MAX)";

/// Operators of one or two characters, longest first.
const OPERATORS: [(&str, Tok); 17] = [
    (">=", Tok::Ge),
    ("<=", Tok::Le),
    ("==", Tok::EqEq),
    ("!=", Tok::Ne),
    ("&&", Tok::AndAnd),
    ("||", Tok::OrOr),
    (">", Tok::Gt),
    ("<", Tok::Lt),
    ("+", Tok::Plus),
    ("-", Tok::Minus),
    ("*", Tok::Star),
    ("/", Tok::Slash),
    ("(", Tok::LParen),
    (")", Tok::RParen),
    ("[", Tok::LBracket),
    ("]", Tok::RBracket),
    (",", Tok::Comma),
];

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let operator = OPERATORS.iter().find(|(op, _)| {
            op.chars()
                .enumerate()
                .all(|(k, oc)| chars.get(i + k) == Some(&oc))
        });
        if let Some((op, tok)) = operator {
            tokens.push(Token {
                tok: tok.clone(),
                column,
                text: (*op).to_string(),
            });
            i += op.len();
        } else if (c.is_ascii_digit() && !starts_digit_name(&chars, i))
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let (number, end) = scan_number(&chars, i);
            i = end;
            let value: f64 = number
                .parse()
                .map_err(|_| format!("at column {column}: bad number \"{number}\""))?;
            if !value.is_finite() {
                return Err(format!(
                    "at column {column}: number \"{number}\" is too large"
                ));
            }
            tokens.push(Token {
                tok: Tok::Num(value),
                column,
                text: number,
            });
        } else if c.is_ascii_alphabetic() || c == '_' || starts_digit_name(&chars, i) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            // Optional `.Statistic`; the statistic may itself contain a dot (p99.9).
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_alphanumeric() {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
            }
            let ident: String = chars[start..i].iter().collect();
            tokens.push(Token {
                tok: Tok::Ident(ident.clone()),
                column,
                text: ident,
            });
        } else {
            let hint = match c {
                '!' => "; CloudWatch metric math has no NOT (!) operator: invert the comparison instead (e.g. invocations <= 20 for NOT invocations > 20)",
                '=' => "; equality is ==",
                '&' => "; logical and is AND or &&",
                '|' => "; logical or is OR or ||",
                '^' => "; the power operator ^ is not simulated",
                _ => "",
            };
            return Err(format!(
                "at column {column}: unexpected character {c:?}{hint}; {ALLOWED}"
            ));
        }
    }
    tokens.push(Token {
        tok: Tok::End,
        column: chars.len() + 1,
        text: String::new(),
    });
    Ok(tokens)
}

/// Whether a metric name starting with digits begins at `i`: API Gateway's
/// `5XXError` and `4XXError` (digits then a letter that does not start an
/// exponent such as `1e3`).
fn starts_digit_name(chars: &[char], i: usize) -> bool {
    let mut j = i;
    while j < chars.len() && chars[j].is_ascii_digit() {
        j += 1;
    }
    if j == i || j >= chars.len() || !(chars[j].is_ascii_alphabetic() || chars[j] == '_') {
        return false;
    }
    let exponent = matches!(chars[j], 'e' | 'E')
        && (chars.get(j + 1).is_some_and(char::is_ascii_digit)
            || (matches!(chars.get(j + 1), Some('+' | '-'))
                && chars.get(j + 2).is_some_and(char::is_ascii_digit)));
    !exponent
}

/// A decimal number with optional fraction and exponent starting at `i`;
/// returns its text and the index after it.
fn scan_number(chars: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
        let mut j = i + 1;
        if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
            j += 1;
        }
        if j < chars.len() && chars[j].is_ascii_digit() {
            i = j;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    (chars[start..i].iter().collect(), i)
}
