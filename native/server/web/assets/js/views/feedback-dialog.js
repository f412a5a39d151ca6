// "Respond to feedback": the prompt the job waits on (Read-Host, -AsSecureString,
// PromptForChoice, a multi-field prompt, Get-Credential) as a form in a modal dialog.

import { api } from '../api.js';
import { h } from '../dom.js';

const KIND = { ReadLine: 0, SecureString: 1, Choice: 2, Prompt: 3, Credential: 4 };

/** Opens the dialog for `feedback`; resolves true once the answer was accepted. */
export function respondToFeedback(jobId, feedback) {
  return new Promise((resolve) => {
    const error = h('p', { class: 'field-error', role: 'alert', id: 'feedback-error' });
    const { inputs, answer } = fieldsFor(feedback);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'feedback-submit' }, 'Send response');
    const form = h('form', { method: 'dialog', class: 'feedback-form' },
      h('h2', { id: 'feedback-title' }, feedback.caption || 'The job is waiting for input'),
      feedback.message && h('p', { class: 'prompt-message' }, feedback.message),
      inputs,
      error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => dialog.close() }, 'Not now'),
        submit));
    const dialog = h('dialog', { class: 'dialog', id: 'feedback-dialog', 'aria-labelledby': 'feedback-title' }, form);
    let sent = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      error.textContent = '';
      try {
        await api.answer(jobId, answer());
        sent = true;
        dialog.close();
      } catch (e) {
        error.textContent = e.refused ? `Not allowed: ${e.message}` : e.message;
        submit.disabled = false;
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(sent);
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('input')?.focus();
  });
}

/** The inputs for one prompt and how to turn them into the POST body (docs/api.md). */
function fieldsFor(feedback) {
  if (feedback.kind === KIND.Choice) {
    const name = 'feedback-choice';
    const choices = feedback.choices.map((c, i) => {
      const id = `${name}-${i}`;
      return h('div', { class: 'choice' },
        h('input', { type: 'radio', name, id, value: i, checked: i === (feedback.defaultChoice ?? 0), required: true }),
        h('label', { for: id }, c.label.replace(/&(?=\S)/, '')),
        c.helpMessage && h('span', { class: 'subtle' }, ` ${c.helpMessage}`));
    });
    const group = h('fieldset', { class: 'choices' }, h('legend', {}, 'Choose one'), choices);
    return {
      inputs: group,
      answer: () => ({ choice: Number(group.querySelector('input:checked').value) }),
    };
  }
  if (feedback.kind === KIND.Prompt || feedback.kind === KIND.Credential) {
    const fields = feedback.fields.map((f, i) => {
      const id = `feedback-field-${i}`;
      const input = h('input', {
        id, type: f.isSecure ? 'password' : 'text', autocomplete: 'off', dataset: { field: f.name },
      });
      return h('div', { class: 'field' }, h('label', { for: id }, f.name), input);
    });
    return {
      inputs: fields,
      answer: () => ({
        responses: Object.fromEntries(fields.map((f) => {
          const input = f.querySelector('input');
          return [input.dataset.field, input.value];
        })),
      }),
    };
  }
  const secure = feedback.kind === KIND.SecureString;
  const input = h('input', { id: 'feedback-response', type: secure ? 'password' : 'text', autocomplete: 'off' });
  return {
    inputs: h('div', { class: 'field' }, h('label', { for: 'feedback-response' }, secure ? 'Secret response' : 'Response'), input),
    answer: () => ({ response: input.value }),
  };
}
