"""The benchmark API on FastAPI: pydantic models with the constraints of bench.yaml
(EmailStr for ``format: email``), response models validated, None fields left out
so that the JSON is the same as pymacaron's. Served by uvicorn in http_bench.py."""

from typing import List, Optional

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, EmailStr, Field


class Owner(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    phone: Optional[str] = None


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: Optional[str] = Field(None, max_length=2000)
    price: float = Field(ge=0)
    quantity: Optional[int] = Field(None, ge=0)
    tags: Optional[List[str]] = Field(None, max_length=20)
    owner: Owner


class Item(BaseModel):
    id: int
    name: str
    description: Optional[str] = None
    price: float
    quantity: Optional[int] = None
    tags: Optional[List[str]] = None
    owner: Owner


app = FastAPI()


@app.get("/items/{item_id}", response_model=Item, response_model_exclude_none=True)
async def get_item(item_id: int = Path(ge=1), limit: int = Query(10, ge=1, le=100),
                   verbose: Optional[bool] = None):
    return Item(id=item_id, name="Ergonomic chair", price=249.9, quantity=limit, tags=["office", "chair"],
                owner=Owner(name="Ada Lovelace", email="ada@example.com"))


@app.post("/items", response_model=Item, response_model_exclude_none=True, status_code=201)
async def create_item(new_item: NewItem):
    return Item(id=7, name=new_item.name, description=new_item.description, price=new_item.price,
                quantity=new_item.quantity, tags=new_item.tags, owner=new_item.owner)
