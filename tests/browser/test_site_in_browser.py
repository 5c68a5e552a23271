"""The built site in a real headless Chromium: filter, read, copy, search, tags, and no script injection."""

import re


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("#catalog-table tbody tr.catalog-row", "rows => rows.filter(r => r.offsetParent "
                                                                            "!== null).map(r => r.dataset.name)")


def test_home_table_filters_by_facet_and_text(page, base_url):
    page.goto(base_url + "/")
    everything = visible_rows(page)
    assert "sklearn-1.5" in everything and len(everything) >= 9

    page.select_option("#catalog-filter-os", "Ubuntu 24.04")
    assert visible_rows(page) == ["minimal-inference"]
    assert page.inner_text("#catalog-count").startswith("1 of ")

    page.click("#catalog-filter-reset")
    page.select_option("#catalog-filter-status", "deprecated")
    assert visible_rows(page) == ["sklearn-1.3"]

    page.click("#catalog-filter-reset")
    page.fill("#catalog-filter-text", "lightgbm")
    assert visible_rows(page) == ["lightgbm-4.5"]

    page.fill("#catalog-filter-text", "")
    page.select_option("#catalog-filter-purpose", "Inference")
    assert set(visible_rows(page)) == {"minimal-inference", "onnxruntime-1.20-inference", "mlflow-inference"}
    assert page.watch.foreign_requests == [] and page.watch.page_errors == []


def test_home_table_sorts_by_column(page, base_url):
    page.goto(base_url + "/")
    page.click("th[data-sort='name'] button")
    first = visible_rows(page)
    page.click("th[data-sort='name'] button")
    second = visible_rows(page)
    assert first == sorted(first) and second == sorted(first, reverse=True)


def test_environment_page_dockerfile_copy_and_deprecation_banner(page, base_url):
    page.goto(base_url + "/environments/sklearn-1.3/")
    dockerfile = page.inner_text("#dockerfile + div.highlight, #dockerfile ~ div.language-dockerfile")
    assert "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:{{latest-image-tag}}" in dockerfile
    assert page.locator("#dockerfile ~ div.language-dockerfile .linenos").first.is_visible()

    banner = page.locator("#deprecation-banner")
    assert banner.is_visible()
    assert "2027-04-30" in banner.inner_text() and re.search(r"\d+ days left", banner.inner_text())
    page.click("#copy-image-ref")
    assert page.evaluate("navigator.clipboard.readText()") == "mcr.microsoft.com/azureml/curated/sklearn-1.3:2"

    page.click("#deprecation-banner a.catalog-replacement")
    page.wait_for_url(re.compile(r"/environments/sklearn-1\.5/$"))
    assert page.locator("#deprecation-banner").count() == 0
    assert page.watch.foreign_requests == [] and page.watch.page_errors == []


def test_search_finds_environment_by_name(page, base_url):
    page.goto(base_url + "/")
    page.wait_for_load_state("networkidle")  # the search index is loaded by a web worker
    page.click(".md-search__input")
    page.keyboard.type("xgboost", delay=50)
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    results = page.inner_text(".md-search-result")
    assert "xgboost-2.1" in results
    assert page.watch.foreign_requests == []


def test_tag_page_lists_the_right_environments(page, base_url):
    page.goto(base_url + "/tags/")
    section = page.locator("[id='tag:inferencing']").locator("xpath=following-sibling::ul[1]")
    listed = set(section.inner_text().split())
    assert {"minimal-inference", "onnxruntime-1.20-inference", "mlflow-inference"} <= listed
    assert "sklearn-1.5" not in listed
    assert page.watch.foreign_requests == []


def test_injection_environment_executes_nothing(page, base_url):
    page.goto(base_url + "/environments/injection-test/")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("article")
    assert "<script>alert('desc')</script>" in body
    assert "<img src=x onerror=alert('img')>" in body
    assert "{{ 7*7 }}" in body and "{% raw %}" in body
    assert "49" not in body
    for link in page.eval_on_selector_all("article a", "links => links.map(a => a.getAttribute('href') || '')"):
        assert not link.strip().lower().startswith(("javascript:", "data:", "vbscript:")), link
    assert page.eval_on_selector_all("article script", "scripts => scripts.length") == 0
    handlers = page.eval_on_selector_all(
        "article *", "nodes => nodes.flatMap(n => [...n.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    for element in page.locator("article p, article td").all()[:40]:
        if element.is_visible():
            element.hover(timeout=2000)  # an injected onmouseover would fire here
    assert page.watch.dialogs == []
    assert page.watch.console_errors == [] and page.watch.page_errors == []
    assert page.watch.foreign_requests == []


def test_pages_request_nothing_but_the_local_server(page, base_url):
    for path in ["/", "/environments/sklearn-1.5/", "/tags/", "/deprecations/", "/rules/"]:
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
    assert page.watch.requests and page.watch.foreign_requests == []
    assert page.watch.console_errors == []


def test_platform_and_os_filter_apart(browser, realistic_site):
    from tests.browser.conftest import serving

    with serving(realistic_site) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/")
        os_values = page.eval_on_selector_all("#catalog-filter-os option", "o => o.map(x => x.value)")
        assert os_values == ["", "(none)", "Ubuntu 20.04", "Ubuntu 22.04", "Ubuntu 24.04"]
        assert page.eval_on_selector_all("#catalog-filter-platform option", "o => o.map(x => x.value)") == ["", "linux"]
        page.select_option("#catalog-filter-platform", "linux")
        assert len(visible_rows(page)) == 60
        page.select_option("#catalog-filter-os", "Ubuntu 22.04")
        shown = visible_rows(page)
        assert len(shown) == 12 and all(n.startswith(("minimal-py312", "mlflow-py312")) for n in shown)
        page.close()


def test_environment_page_shows_tags_once_and_the_base_image(browser, realistic_site):
    from tests.browser.conftest import serving

    with serving(realistic_site) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/environments/acpt-pytorch-2.2-cuda12.1/")
        assert page.locator(".md-tag").count() == 0  # no Material tag chips above the page
        tags = page.locator("#tags + ul > li").all_inner_texts()
        assert tags == ["PyTorch: 2.2", "GPU: Cuda12", "OS: Ubuntu20.04", "Python: 3.10", "Training",
                        "Checkpointing:Nebula: 0.16.10"]
        base = page.locator("#base-image")
        assert base.is_visible()
        assert "openmpi5.0-cuda12.4-ubuntu22.04:{{latest-image-tag}}" in base.inner_text()
        assert "resolved to the newest tag of this image when the environment is released" in base.inner_text()
        assert "compute: azureml:gpu-cluster" in page.inner_text(".tabbed-set")
        page.close()


def visible_package_rows(page) -> list[str]:
    return page.eval_on_selector_all(
        "#packages-table tr.catalog-package-row:not([hidden])",
        "rows => rows.map(r => r.cells[0].textContent + ' ' + r.cells[1].textContent + ': ' + "
        "Array.from(r.querySelectorAll('a.catalog-package-env:not([hidden])')).map(a => a.textContent).join(', '))")


def test_packages_page_filters_and_links_to_the_version(page, base_url):
    page.goto(base_url + "/packages/")
    assert "matplotlib 3.9.2: sklearn-1.5 1" in visible_package_rows(page)
    page.fill("#packages-filter-text", "matplotlib")
    assert visible_package_rows(page) == ["matplotlib 3.9.2: sklearn-1.5 1", "matplotlib 3.9.4: sklearn-1.5 2"]
    assert page.inner_text("#packages-count").startswith("2 of ")
    page.check("#packages-filter-newest")
    assert visible_package_rows(page) == ["matplotlib 3.9.4: sklearn-1.5 2"]
    page.fill("#packages-filter-text", "scikit-learn")
    assert visible_package_rows(page) == ["scikit-learn 1.5.2: sklearn-1.5 2"]  # version 1's chip hidden
    page.fill("#packages-filter-text", "no-such-package")
    assert visible_package_rows(page) == [] and page.locator("#packages-empty").is_visible()
    page.fill("#packages-filter-text", "pyparsing")
    page.click("#packages-table tr:not([hidden]) a.catalog-package-env:not([hidden])")
    page.wait_for_url(re.compile(r"/environments/sklearn-1\.5/2/$"))
    assert page.locator("#version-build-evidence").get_attribute("data-status") == "passed"
    assert page.watch.foreign_requests == [] and page.watch.page_errors == []


def test_version_page_inventory_is_searchable(page, base_url):
    page.goto(base_url + "/environments/sklearn-1.5/2/")
    page.click("#version-inventory summary")
    rows = "#version-inventory-table tbody tr:not([hidden])"
    assert page.locator(rows).count() == 5
    page.fill("input[data-filter='version-inventory-table']", "numpy")
    assert page.locator(rows).all_inner_texts() == ["numpy\t2.1.3\tpip"]
    assert page.inner_text(".catalog-list-count[data-count='version-inventory-table']") == "1 of 5"
    page.click("text=All of sklearn-1.5")
    page.wait_for_url(re.compile(r"/environments/sklearn-1\.5/$"))
    assert page.locator("#build-evidence").get_attribute("data-status") == "passed"
    assert page.watch.foreign_requests == [] and page.watch.page_errors == []
