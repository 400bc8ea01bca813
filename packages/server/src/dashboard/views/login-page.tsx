/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx'
import { Layout } from './layout.js'

export const LoginPage: FC<{ nonceToken: string; error?: string }> = ({ nonceToken, error }) => (
  <Layout title="Sign in · keywarden">
    <main>
      <section class="panel login" aria-labelledby="login-title">
        <h2 id="login-title">Sign in to keywarden</h2>
        <p class="lead">Paste an admin key (scope keywarden:admin). It is checked and never stored.</p>
        {error ? (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        ) : null}
        <form method="post" action="/login">
          <input type="hidden" name="_csrf" value={nonceToken} />
          <label for="admin-key">
            Admin key
            <input
              id="admin-key"
              name="key"
              type="password"
              autocomplete="off"
              required
              spellcheck={false}
              aria-describedby={error ? 'login-error' : undefined}
            />
          </label>
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </section>
    </main>
  </Layout>
)
