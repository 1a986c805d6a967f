-- A second store sharing the schema, as the network manager's registry does.
CREATE TABLE other_store (id INT PRIMARY KEY);
CREATE TABLE other_store_more (id INT PRIMARY KEY);
