export { printSchema, SQL_MIGRATIONS } from './migrations.js'
export { migrateToLatest, sqlStore } from './store.js'
