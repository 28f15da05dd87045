// Python's datetime.strftime in the C locale, for chat templates that print today's date
// through transformers' `strftime_now` (Llama 3.2: "%d %b %Y"). @huggingface/jinja ships its
// own, but it names months in the machine's locale and knows only a few codes.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

const CODES: Record<string, (d: Date) => string> = {
  a: (d) => DAYS[d.getDay()].slice(0, 3),
  A: (d) => DAYS[d.getDay()],
  b: (d) => MONTHS[d.getMonth()].slice(0, 3),
  B: (d) => MONTHS[d.getMonth()],
  d: (d) => pad(d.getDate()),
  e: (d) => String(d.getDate()).padStart(2, ' '),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 || 12),
  j: (d) => pad(dayOfYear(d), 3),
  m: (d) => pad(d.getMonth() + 1),
  M: (d) => pad(d.getMinutes()),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  S: (d) => pad(d.getSeconds()),
  y: (d) => pad(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  '%': () => '%',
};

/** Formats `date` in local time, as Python's `datetime.now().strftime(format)` does. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(.)/gs, (_, code: string) => {
    const f = CODES[code];
    if (!f) throw new Error(`strftime: format code %${code} is not supported (supported: ${Object.keys(CODES).map((c) => '%' + c).join(' ')})`);
    return f(date);
  });
}
