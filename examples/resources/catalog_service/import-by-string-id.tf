import {
  to = catalog_service.db
  id = "service-0123456789abcdef0123"
}
