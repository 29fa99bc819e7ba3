// Vite build of the gridgov web console. `npm run dev` proxies /api to a
// running server (GRIDGOV_API, default http://127.0.0.1:18080); `npm run build`
// writes web/dist, which web/embed.go embeds into the Go binary.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const api = process.env.GRIDGOV_API || 'http://127.0.0.1:18080'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  server: {
    fs: { allow: ['..'] }, // the shared message files live in ../internal/i18n
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1100,
    rollupOptions: {
      output: {
        // Vendor code in three stable chunks so that app changes do not
        // re-hash the big libraries.
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined
          if (id.includes('element-plus')) return 'element-plus'
          if (id.includes('leaflet')) return 'leaflet'
          return 'vendor'
        },
      },
    },
  },
})
