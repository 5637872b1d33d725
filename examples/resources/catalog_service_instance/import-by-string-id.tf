import {
  to = catalog_service_instance.orders
  id = "si-0123456789abcdef0123"
}
