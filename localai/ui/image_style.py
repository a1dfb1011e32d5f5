"""The style of the Image tab (the prompt bar, the aspect-ratio pills, the grid; at phone width, 640 px and
less, two columns of images and nothing wider than the screen) and its one script: Esc cancels a drawing."""

TAB_CSS = """
#image-bar { align-items: stretch; flex-wrap: nowrap; gap: 8px; }
#image-bar > * { min-width: 0; }
#image-generate, #image-cancel { flex: 0 0 auto; min-width: 96px; max-width: 160px; }
#image-aspect .wrap { gap: 6px; }
#image-aspect .wrap label { border-radius: 999px; padding: 4px 14px; min-width: 0; }
#image-aspect .wrap label input { position: absolute; opacity: 0; width: 1px; height: 1px; }
#image-aspect .wrap label.selected { border: 2px solid var(--button-primary-border-color); font-weight: 600; }
#image-aspect .wrap label:focus-within { outline: 2px solid var(--color-accent); outline-offset: 1px; }
#image-seed-row { align-items: flex-end; }
#image-random-seed { flex: 0 0 auto; min-width: 96px; }
#image-plan p { font-size: 0.85em; margin: 0; opacity: 0.85; }
#image-actions { align-items: center; flex-wrap: wrap; gap: 8px; }
#image-actions > button { flex: 0 0 auto; min-width: 0; }
#image-seed-info { flex: 1 1 12em; }
#image-gallery { max-width: 100%; }
@media (max-width: 640px) {
  #image-generate, #image-cancel { min-width: 84px; }
  #image-aspect .wrap label { padding: 4px 10px; }
  #image-gallery .grid-container { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  #image-seed-info { flex-basis: 100%; }
}
"""

# Esc cancels the drawing while the Image tab is the one shown (its Cancel button is on screen), as Esc stops
# an answer in the chat; not while the grid's enlarged view is open (there Esc closes it).
TAB_JS = """
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || event.defaultPrevented) return;
  if (event.target instanceof Element && event.target.closest('#image-gallery')) return;
  const cancel = document.querySelector('#image-cancel');
  if (cancel && cancel.offsetParent !== null) cancel.click();
});
"""
