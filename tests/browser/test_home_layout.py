"""The home table at 1280 px in Chromium, with 60 and with 5,000 environments: one line per
row, names whole or cut with a tooltip, columns apart, the header in view while scrolling."""

import time

import pytest

from tests.browser.conftest import ARTIFACTS, PageWatch, serving

# Measured in the page: everything a reader would see wrong, as data.
LAYOUT = """() => {
  const table = document.getElementById("catalog-table");
  const rows = Array.from(table.tBodies[0].querySelectorAll("tr.catalog-row"));
  const sample = rows.length > 400 ? rows.slice(0, 300).concat(rows.slice(-50)) : rows;
  const problems = [];
  const heights = new Set();
  const headers = Array.from(table.tHead.rows[0].cells);
  for (const row of [table.tHead.rows[0], ...sample]) {
    const cells = Array.from(row.cells);
    if (row.parentNode !== table.tHead) { heights.add(Math.round(row.getBoundingClientRect().height)); }
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i], box = cell.getBoundingClientRect(), style = getComputedStyle(cell);
      if (i + 1 < cells.length && box.right > cells[i + 1].getBoundingClientRect().left + 0.5) {
        problems.push(`overlap: ${row.dataset.name || "header"} column ${i}`);
      }
      if (Math.abs(box.left - headers[i].getBoundingClientRect().left) > 0.5) {
        problems.push(`misaligned: ${row.dataset.name} column ${i}`);
      }
      if (parseFloat(style.paddingLeft) < 4 || parseFloat(style.paddingRight) < 4) {
        problems.push(`no gap: ${row.dataset.name || "header"} column ${i}`);
      }
      if (row.parentNode === table.tHead) { continue; }
      const cut = cell.scrollWidth > cell.clientWidth + 1;
      if (cut && (style.overflowX !== "hidden" || style.textOverflow !== "ellipsis" || !cell.title)) {
        problems.push(`spills: ${row.dataset.name} column ${i}`);
      }
      if (style.whiteSpace !== "nowrap") { problems.push(`wraps: ${row.dataset.name} column ${i}`); }
    }
    const name = row.cells[0];
    if (row.parentNode !== table.tHead && name.title !== row.dataset.name) {
      problems.push(`no tooltip: ${row.dataset.name}`);
    }
  }
  const cutNames = sample.filter(r => r.cells[0].scrollWidth > r.cells[0].clientWidth + 1).map(r => r.dataset.name);
  return {rows: rows.length, problems, heights: Array.from(heights), cutNames,
          lineHeight: parseFloat(getComputedStyle(rows[0].cells[0]).lineHeight),
          pageWidth: document.documentElement.scrollWidth, tableRight: table.getBoundingClientRect().right,
          headerPosition: getComputedStyle(headers[0]).position};
}"""

HEADER_IN_VIEW = """() => {
  const header = document.querySelector("#catalog-table thead th");
  const box = header.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return {top: box.top, bottom: box.bottom, onTop: header.contains(hit),
          firstVisibleRowBelow: Array.from(document.querySelectorAll("#catalog-table tbody tr.catalog-row"))
            .some(r => { const b = r.getBoundingClientRect();
                         return b.top >= box.bottom - 1 && b.top < box.bottom + 60; })};
}"""


@pytest.fixture(params=["realistic_site", "huge_home"])
def home(request, browser):
    site = request.getfixturevalue(request.param)
    with serving(site) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.watch = PageWatch(page, url)
        page.goto(url + "/")
        page.wait_for_selector("#catalog-table tbody tr.catalog-row")
        yield page, request.param
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_home_table_is_readable_at_1280_px(home):
    page, which = home
    shot(page, f"home-{which}-top")
    layout = page.evaluate(LAYOUT)
    assert layout["rows"] == (60 if which == "realistic_site" else 5000)
    assert layout["problems"] == []
    # every row is one line high, and no wider than the window
    assert len(layout["heights"]) == 1 and layout["heights"][0] < 2 * layout["lineHeight"] + 16, layout
    assert layout["pageWidth"] <= 1280 and layout["tableRight"] <= 1280
    # long names are cut with their tooltip, short ones whole
    assert "acft-medimageinsight-embedding-generator" not in layout["cutNames"]
    assert "sklearn-1.5" not in layout["cutNames"]

    # the header stays in view, above the rows, while the page scrolls
    assert layout["headerPosition"] == "sticky"
    page.mouse.wheel(0, 1500 if which == "realistic_site" else 60000)
    time.sleep(0.5)
    shot(page, f"home-{which}-scrolled")
    header = page.evaluate(HEADER_IN_VIEW)
    assert 0 <= header["top"] < 120 and header["onTop"] and header["firstVisibleRowBelow"], header
    assert page.watch.page_errors == [] and page.watch.foreign_requests == []


def test_text_filter_on_5000_rows_matches_tags_and_keeps_up(huge_home, browser):
    with serving(huge_home) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/")
        started = time.monotonic()
        page.fill("#catalog-filter-text", "nebula")  # only in a tag key, Checkpointing:Nebula
        page.wait_for_function("document.getElementById('catalog-count').textContent.startsWith('500 of')")
        assert time.monotonic() - started < 5
        names = page.eval_on_selector_all("#catalog-table tbody tr.catalog-row",
                                          "rows => rows.filter(r => !r.hidden).map(r => r.dataset.name)")
        assert len(names) == 500 and all(n.startswith("acpt-pytorch-2.2-cuda12.1") for n in names)
        page.close()
