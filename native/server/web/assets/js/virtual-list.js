// A scrolling list of fixed-height rows that keeps only the rows in view (plus a margin) in
// the DOM, so 100,000 output lines cost what 60 do. Rows are absolutely placed inside a
// spacer as tall as every row together, which keeps the scroll bar true.

const OVERSCAN = 20;

export class VirtualList {
  /**
   * @param {HTMLElement} viewport a scrolling element (CSS gives it a height and overflow: auto)
   * @param {{rowHeight: number, renderRow: (index: number) => HTMLElement}} options
   */
  constructor(viewport, { rowHeight, renderRow }) {
    this.viewport = viewport;
    this.rowHeight = rowHeight;
    this.renderRow = renderRow;
    this.count = 0;
    this.follow = true;
    this.spacer = document.createElement('div');
    this.spacer.className = 'virtual-spacer';
    viewport.replaceChildren(this.spacer);
    this.drawn = { first: 0, last: -1 };
    this.pending = false;
    viewport.addEventListener('scroll', () => {
      // Scrolling up stops following the tail; scrolling back to the end resumes it.
      this.follow = this.atEnd();
      this.schedule();
    }, { passive: true });
    this.resize = new ResizeObserver(() => this.schedule(true));
    this.resize.observe(viewport);
  }

  atEnd() {
    const v = this.viewport;
    return v.scrollTop + v.clientHeight >= v.scrollHeight - this.rowHeight;
  }

  /** The row count changed (rows were appended, or the filter changed). */
  setCount(count, { reset = false } = {}) {
    this.count = count;
    this.spacer.style.height = `${count * this.rowHeight}px`;
    if (reset) this.drawn = { first: 0, last: -1 };
    if (this.follow) this.viewport.scrollTop = this.viewport.scrollHeight;
    this.schedule(true);
  }

  /** Redraw every visible row (a display option changed). */
  refresh() {
    this.schedule(true);
  }

  scrollToEnd() {
    this.follow = true;
    this.viewport.scrollTop = this.viewport.scrollHeight;
    this.schedule(true);
  }

  schedule(force = false) {
    if (force) this.drawn = { first: 0, last: -1 };
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const { scrollTop, clientHeight } = this.viewport;
    const first = Math.max(0, Math.floor(scrollTop / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.count - 1, Math.ceil((scrollTop + clientHeight) / this.rowHeight) + OVERSCAN);
    if (first === this.drawn.first && last === this.drawn.last) return;
    this.drawn = { first, last };
    const rows = [];
    for (let i = first; i <= last; i++) {
      const row = this.renderRow(i);
      row.style.transform = `translateY(${i * this.rowHeight}px)`;
      rows.push(row);
    }
    this.spacer.replaceChildren(...rows);
  }

  destroy() {
    this.resize.disconnect();
  }
}
