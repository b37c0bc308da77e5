"""The admin console (`/console`): server-rendered pages for marketers, calling the same
services as the API in the same transactions."""
