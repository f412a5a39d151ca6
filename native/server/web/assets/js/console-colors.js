// Host output written with Write-Host -ForegroundColor / -BackgroundColor, shown in the
// colours a console would use: the Campbell palette of Windows Terminal, made for a dark
// background like the output view's.

const PALETTE = {
  Black: '#0c0c0c', DarkBlue: '#0037da', DarkGreen: '#13a10e', DarkCyan: '#3a96dd',
  DarkRed: '#c50f1f', DarkMagenta: '#881798', DarkYellow: '#c19c00', Gray: '#cccccc',
  DarkGray: '#767676', Blue: '#3b78ff', Green: '#16c60c', Cyan: '#61d6d6',
  Red: '#e74856', Magenta: '#b4009e', Yellow: '#f9f1a5', White: '#f2f2f2',
};

/**
 * Colours `el` as the record was written. Through the CSSOM, which the page's
 * Content-Security-Policy allows where it refuses style attributes.
 */
export function paintConsoleColors(el, record) {
  const fg = PALETTE[record.foregroundColor];
  const bg = PALETTE[record.backgroundColor];
  if (fg) el.style.color = fg;
  if (bg) el.style.background = bg;
  return el;
}
