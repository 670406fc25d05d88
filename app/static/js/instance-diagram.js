/*
 * RatchaFlow - process instance diagram viewer.
 *
 * Plain ES2018, no build step. Needs, loaded before this file:
 *   static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js  (global `BpmnJS`)
 *   static/vendor/bpmn-js/assets/diagram-js.css
 *   static/vendor/bpmn-js/assets/bpmn-js.css
 *   static/vendor/bpmn-js/assets/bpmn-font/css/bpmn.css
 *   static/css/app.css  (marker colours, .rf-diagram)
 *
 * Markup:
 *   <div class="rf-diagram"
 *        data-diagram-url="/instances/42/diagram.json"
 *        data-label-zoom-in="ขยาย" data-label-zoom-out="ย่อ" data-label-fit="พอดีกรอบ"
 *        data-label-error="ไม่สามารถแสดงแผนภาพได้"></div>
 *
 * The URL (same origin only) must answer JSON:
 *   {"xml": "<bpmn xml>", "states": {"<element id>": "done" | "active" | "waiting"}}
 *
 * Each element id in `states` that exists in the diagram gets the marker class
 * rf-done / rf-active / rf-waiting; unknown ids and unknown states are ignored.
 *
 * Navigation: drag to pan, Ctrl/Cmd + mouse wheel to zoom, wheel to scroll,
 * arrow keys to pan once the diagram has focus (click or Tab into it),
 * and + / - / 0 keys or the toolbar buttons to zoom in, zoom out and fit.
 *
 * Containers added later (e.g. by an htmx swap) are picked up on `htmx:load`;
 * RatchaFlowDiagram.init(rootElement) can also be called by hand.
 */
(function () {
  'use strict';

  var DEFAULT_LABELS = {
    zoomIn: 'ขยาย',
    zoomOut: 'ย่อ',
    fit: 'พอดีกรอบ',
    error: 'ไม่สามารถแสดงแผนภาพได้'
  };

  // Same stack as app.css, so Thai element names render (and are measured for
  // line wrapping) with a Thai-capable font instead of bpmn-js's default Arial.
  var DIAGRAM_FONT = '"Sarabun", "Laksaman", "TH Sarabun New", "Noto Sans Thai", system-ui, sans-serif';

  var MARKERS = {
    done: 'rf-done',
    active: 'rf-active',
    waiting: 'rf-waiting'
  };

  function label(container, name) {
    // data-label-zoom-in -> dataset.labelZoomIn
    var key = 'label' + name.charAt(0).toUpperCase() + name.slice(1);
    var value = container.dataset[key];
    return value && value.trim() ? value.trim() : DEFAULT_LABELS[name];
  }

  function sameOriginUrl(raw) {
    var url = new URL(raw, window.location.href);
    if (url.origin !== window.location.origin) {
      throw new Error('diagram URL is not same-origin: ' + url.href);
    }
    return url.href;
  }

  async function fetchDiagram(rawUrl) {
    var response = await fetch(sameOriginUrl(rawUrl), {
      method: 'GET',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      cache: 'no-store'
    });
    if (!response.ok) {
      throw new Error('diagram request failed: HTTP ' + response.status);
    }
    var data = await response.json();
    if (!data || typeof data.xml !== 'string' || !data.xml.trim()) {
      throw new Error('diagram response has no "xml" string');
    }
    var states = data.states && typeof data.states === 'object' ? data.states : {};
    return { xml: data.xml, states: states };
  }

  function applyMarkers(viewer, states) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    var applied = 0;
    Object.keys(states).forEach(function (id) {
      var cls = Object.prototype.hasOwnProperty.call(MARKERS, states[id]) ? MARKERS[states[id]] : null;
      if (!cls || !registry.get(id)) {
        return; // unknown state, or an id this diagram does not have
      }
      canvas.addMarker(id, cls);
      applied += 1;
    });
    return applied;
  }

  function makeButton(text, symbol, onClick) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-sm btn-light border rf-diagram-btn';
    button.title = text;
    button.setAttribute('aria-label', text);
    button.textContent = symbol;
    button.addEventListener('click', onClick);
    return button;
  }

  function addToolbar(container, viewer) {
    var canvas = viewer.get('canvas');
    var zoomScroll = viewer.get('zoomScroll');

    function zoomIn() { zoomScroll.stepZoom(1); }
    function zoomOut() { zoomScroll.stepZoom(-1); }
    function fit() { canvas.zoom('fit-viewport', 'auto'); }

    var toolbar = document.createElement('div');
    toolbar.className = 'rf-diagram-toolbar btn-group-vertical';
    toolbar.setAttribute('role', 'group');
    toolbar.appendChild(makeButton(label(container, 'zoomIn'), '+', zoomIn));
    toolbar.appendChild(makeButton(label(container, 'zoomOut'), '\u2212', zoomOut));
    toolbar.appendChild(makeButton(label(container, 'fit'), '\u2922', fit));
    container.appendChild(toolbar);

    // + / - / 0 while focus is inside the diagram (the canvas SVG is focusable).
    // Arrow keys are handled by bpmn-js itself; skip events it already handled.
    container.addEventListener('keydown', function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      if (event.target && event.target.closest && event.target.closest('button, input, textarea, select')) {
        return;
      }
      if (event.key === '+' || event.key === '=') {
        zoomIn();
      } else if (event.key === '-' || event.key === '_') {
        zoomOut();
      } else if (event.key === '0') {
        fit();
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  function showError(container, error) {
    if (window.console && console.error) {
      console.error('[instance-diagram]', container.dataset.diagramUrl, error);
    }
    container.textContent = '';
    var alert = document.createElement('div');
    alert.className = 'alert alert-warning m-3 rf-diagram-error';
    alert.setAttribute('role', 'alert');
    alert.textContent = label(container, 'error');
    container.appendChild(alert);
    container.classList.add('rf-diagram-failed');
    container.dataset.diagramState = 'error';
  }

  function watchSize(container, viewer) {
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    var canvas = viewer.get('canvas');
    // Rendered while hidden (collapsed card, inactive tab)? Fit once it gets a size.
    var fitted = container.clientWidth > 0 && container.clientHeight > 0;
    var observer = new ResizeObserver(function () {
      if (!container.isConnected) {
        observer.disconnect();
        return;
      }
      if (container.clientWidth === 0 || container.clientHeight === 0) {
        return;
      }
      canvas.resized();
      if (!fitted) {
        fitted = true;
        canvas.zoom('fit-viewport', 'auto');
      }
    });
    observer.observe(container);
  }

  async function render(container) {
    var viewer = null;
    container.dataset.diagramState = 'loading';
    container.setAttribute('aria-busy', 'true');
    try {
      if (typeof window.BpmnJS !== 'function') {
        throw new Error('BpmnJS (bpmn-navigated-viewer) is not loaded');
      }
      var data = await fetchDiagram(container.dataset.diagramUrl);

      container.textContent = '';
      viewer = new window.BpmnJS({
        container: container,
        textRenderer: { defaultStyle: { fontFamily: DIAGRAM_FONT } }
      });
      var result = await viewer.importXML(data.xml);
      if (result && result.warnings && result.warnings.length && window.console) {
        console.warn('[instance-diagram] import warnings', result.warnings);
      }

      viewer.get('canvas').zoom('fit-viewport', 'auto');
      container.dataset.diagramMarkers = String(applyMarkers(viewer, data.states));
      addToolbar(container, viewer);
      watchSize(container, viewer);

      container.diagramViewer = viewer; // for debugging / other scripts
      container.dataset.diagramState = 'ready';
    } catch (error) {
      if (viewer) {
        try { viewer.destroy(); } catch (ignored) { /* already broken */ }
      }
      showError(container, error);
    } finally {
      container.removeAttribute('aria-busy');
    }
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var containers = Array.prototype.slice.call(scope.querySelectorAll('[data-diagram-url]'));
    if (scope !== document && scope.matches && scope.matches('[data-diagram-url]')) {
      containers.unshift(scope);
    }
    return Promise.all(containers.map(function (container) {
      if (container.dataset.diagramState) {
        return null; // already rendered or rendering
      }
      return render(container);
    }));
  }

  window.RatchaFlowDiagram = { init: init };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { init(document); });
  } else {
    init(document);
  }

  // htmx 2 fires htmx:load on every piece of newly swapped-in content.
  document.addEventListener('htmx:load', function (event) {
    if (event.detail && event.detail.elt) {
      init(event.detail.elt);
    }
  });
}());
