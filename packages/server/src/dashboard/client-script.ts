/**
 * The dashboard's only script besides htmx, served from /assets/dashboard.js so the
 * Content-Security-Policy can forbid inline scripts. It adds the CSRF header to htmx requests,
 * shows toasts, wires copy buttons and validates provider keys inline.
 */
export const DASHBOARD_SCRIPT = `'use strict'
;(() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? ''

  document.addEventListener('htmx:configRequest', (event) => {
    event.detail.headers['X-CSRF-Token'] = csrf()
  })

  const toasts = () => document.getElementById('toasts')
  function toast(kind, message) {
    const region = toasts()
    if (!region || !message) return
    const item = document.createElement('div')
    item.className = 'toast toast-' + (kind === 'error' ? 'error' : 'success')
    item.setAttribute('role', kind === 'error' ? 'alert' : 'status')
    const text = document.createElement('span')
    text.textContent = message
    const close = document.createElement('button')
    close.type = 'button'
    close.className = 'toast-close'
    close.setAttribute('aria-label', 'Dismiss notification')
    close.textContent = '\\u00d7'
    close.addEventListener('click', () => item.remove())
    item.append(text, close)
    region.append(item)
    setTimeout(() => item.remove(), kind === 'error' ? 10000 : 6000)
  }
  document.body.addEventListener('toast', (event) => toast(event.detail?.kind, event.detail?.message))
  document.body.addEventListener('htmx:sendError', () => toast('error', 'The server did not answer. Is it running?'))
  document.body.addEventListener('htmx:responseError', (event) => {
    const xhr = event.detail.xhr
    if (xhr && !xhr.getResponseHeader('HX-Trigger')) toast('error', 'Request failed (' + xhr.status + ')')
  })
  for (const node of document.querySelectorAll('[data-initial-toast]')) {
    toast(node.getAttribute('data-kind'), node.getAttribute('data-initial-toast'))
    node.remove()
  }

  document.body.addEventListener('htmx:afterRequest', (event) => {
    const form = event.detail.elt
    if (event.detail.successful && form instanceof HTMLFormElement && form.hasAttribute('data-reset')) form.reset()
  })

  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null
    if (button) {
      const field = document.getElementById(button.getAttribute('data-copy'))
      if (!field) return
      field.focus()
      field.select()
      let copied = false
      try {
        await navigator.clipboard.writeText(field.value)
        copied = true
      } catch {
        copied = document.execCommand && document.execCommand('copy')
      }
      button.textContent = copied ? 'Copied' : 'Press Ctrl+C to copy'
      return
    }
    const dismiss = event.target instanceof Element ? event.target.closest('[data-dismiss]') : null
    if (dismiss) document.getElementById(dismiss.getAttribute('data-dismiss'))?.replaceChildren()
  })

  function validate(input) {
    const hint = document.getElementById(input.getAttribute('aria-describedby')?.split(' ')[0] ?? '')
    const pattern = input.getAttribute('data-pattern')
    const value = input.value.trim()
    let message = ''
    if (value && pattern && !new RegExp(pattern).test(value)) {
      message = input.getAttribute('data-pattern-message') || 'This does not look like a valid key.'
    }
    input.setCustomValidity(message)
    input.setAttribute('aria-invalid', message ? 'true' : 'false')
    if (hint) {
      hint.textContent = message || (value ? 'Looks valid.' : hint.getAttribute('data-default') || '')
      hint.classList.toggle('hint-error', Boolean(message))
      hint.classList.toggle('hint-ok', Boolean(value && !message))
    }
  }
  document.addEventListener('input', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.hasAttribute('data-pattern')) validate(event.target)
  })
  document.addEventListener('htmx:validation:validate', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.hasAttribute('data-pattern')) validate(event.target)
  })
})()
`
